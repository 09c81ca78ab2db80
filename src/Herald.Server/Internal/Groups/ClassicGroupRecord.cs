using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>The persisted form of a stable group: what Kafka's GroupMetadataValue holds (generation, protocol type and
/// name, leader, and each member's ids, client, timeouts, subscription and assignment), with every protocol a member
/// joined with rather than only the chosen one, so a rejoin with the same protocols is recognised as unchanged.</summary>
/// <remarks>Layout, in Kafka's primitives (big-endian, int16-length strings, int32-length bytes): int16 version (0),
/// string protocol type, int32 generation, string protocol name, string leader, int32 member count, then per member:
/// string member id, nullable string instance id, string client id, string client host, int32 rebalance and session
/// timeouts in ms, string protocol type, int32 protocol count and per protocol string name and bytes metadata, bytes
/// assignment. Nothing may follow.</remarks>
internal static class ClassicGroupRecord
{
    private const short Version = 0;

    public static byte[] Write(ClassicGroup group)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(Version);
        writer.WriteString(group.ProtocolType ?? "");
        writer.WriteInt32(group.Generation);
        writer.WriteString(group.ProtocolName ?? "");
        writer.WriteString(group.LeaderId ?? "");
        writer.WriteInt32(group.Members.Count);
        foreach (var member in group.Members)
        {
            writer.WriteString(member.MemberId);
            writer.WriteNullableString(member.InstanceId);
            writer.WriteString(member.ClientId);
            writer.WriteString(member.ClientHost);
            writer.WriteInt32((int)member.RebalanceTimeout.TotalMilliseconds);
            writer.WriteInt32((int)member.SessionTimeout.TotalMilliseconds);
            writer.WriteString(member.ProtocolType);
            writer.WriteInt32(member.Protocols.Count);
            foreach (var (name, metadata) in member.Protocols)
            {
                writer.WriteString(name);
                writer.WriteBytes(metadata);
            }

            writer.WriteBytes(member.Assignment);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a group as stable at its generation, each member's session starting at <paramref name="now"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a group this code wrote, whole.</exception>
    public static ClassicGroup Read(string id, ReadOnlyMemory<byte> value, DateTimeOffset now)
    {
        try
        {
            var reader = new KafkaReader(value);
            if (reader.ReadInt16("version") is var version && version != Version)
            {
                throw new InvalidDataException($"version {version} is unknown");
            }

            var (protocolType, generation) = (reader.ReadString("protocolType"), reader.ReadInt32("generation"));
            var (protocolName, leader, count) = (reader.ReadString("protocolName"), reader.ReadString("leader"), reader.ReadInt32("members"));
            var group = new ClassicGroup(id);
            for (var i = 0; i < count; i++)
            {
                var member = ReadMember(ref reader);
                Check(group.Find(member.MemberId) is null && member.Supports(protocolName), $"member {member.MemberId} is listed twice or lacks protocol {protocolName}");
                member.SessionDeadline = now + member.SessionTimeout;
                group.Add(member);
            }

            Check(reader.Remaining == 0, $"{reader.Remaining} bytes follow the group");
            Check(generation > 0 && count > 0 && group.Find(leader) is not null, $"generation {generation}, {count} members and leader '{leader}' are not a stable group");
            (group.State, group.Generation, group.ProtocolType, group.ProtocolName, group.LeaderId) = (ClassicGroupState.Stable, generation, protocolType, protocolName, leader);
            return group;
        }
        catch (KafkaProtocolException e)
        {
            throw new InvalidDataException($"{e.Field}: {e.Problem}", e);
        }
    }

    private static ClassicGroupMember ReadMember(ref KafkaReader reader)
    {
        var (memberId, instanceId) = (reader.ReadString("memberId"), reader.ReadNullableString("instanceId"));
        var (clientId, clientHost) = (reader.ReadString("clientId"), reader.ReadString("clientHost"));
        var (rebalanceMs, sessionMs) = (reader.ReadInt32("rebalanceTimeoutMs"), reader.ReadInt32("sessionTimeoutMs"));
        Check(memberId.Length > 0 && rebalanceMs > 0 && sessionMs > 0, $"member '{memberId}' has no id or a timeout that is not positive");
        var protocolType = reader.ReadString("memberProtocolType");
        var protocols = new List<(string, byte[])>();
        for (var count = reader.ReadInt32("protocols"); protocols.Count < count;)
        {
            protocols.Add((reader.ReadString("protocol"), reader.ReadBytes("metadata").ToArray()));
        }

        var assignment = reader.ReadBytes("assignment").ToArray();
        return ClassicGroupMember.Restore(memberId, instanceId, clientId, clientHost, TimeSpan.FromMilliseconds(sessionMs), TimeSpan.FromMilliseconds(rebalanceMs), protocolType, protocols, assignment);
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidDataException(problem);
        }
    }
}
