using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>ListGroups and DescribeGroups: the groups with members, as the coordinator knows them.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Lists the groups the coordinator knows, with their protocol type and state (none being deleted).</summary>
    public List<(string GroupId, string ProtocolType, ClassicGroupState State)> List()
    {
        lock (_lock)
        {
            return [.. _groups.Values.Where(g => g.State != ClassicGroupState.Dead).Select(g => (g.Id, g.ProtocolType ?? "", g.State))];
        }
    }

    /// <summary>Describes a group as Kafka does, or returns null when the coordinator does not know it: the protocol and
    /// each member's metadata and assignment only once the group is stable.</summary>
    public DescribeGroupsResponse.DescribedGroup? Describe(string groupId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group) || group.State == ClassicGroupState.Dead)
            {
                return null;
            }

            var stable = group.State == ClassicGroupState.Stable;
            return new DescribeGroupsResponse.DescribedGroup
            {
                GroupId = group.Id,
                GroupState = group.State.ToString(),
                ProtocolType = group.ProtocolType ?? "",
                ProtocolData = stable ? group.ProtocolName ?? "" : "",
                Members = [.. group.Members.Select(m => new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = m.InstanceId,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    MemberMetadata = stable ? m.Metadata(group.ProtocolName) : Array.Empty<byte>(),
                    MemberAssignment = stable ? m.Assignment : Array.Empty<byte>(),
                })],
            };
        }
    }
}
