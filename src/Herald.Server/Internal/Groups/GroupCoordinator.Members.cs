using System.Diagnostics;
using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>What members do between rebalances: sync, heartbeat, commit, leave.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Serves a SyncGroup; the task completes when the member has its assignment (at once in a stable group,
    /// when the leader's SyncGroup arrives otherwise) or an error.</summary>
    public Task<SyncGroupResponse> SyncAsync(SyncGroupRequest request)
    {
        lock (_lock)
        {
            var group = _groups.GetValueOrDefault(request.GroupId);
            var (error, member) = Check(group, request.MemberId, request.GroupInstanceId, request.GenerationId);
            error = error != ErrorCode.None ? error
                : (request.ProtocolType ?? group!.ProtocolType) != group!.ProtocolType || (request.ProtocolName ?? group.ProtocolName) != group.ProtocolName ? ErrorCode.InconsistentGroupProtocol
                : group.State == ClassicGroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress
                : ErrorCode.None;
            if (error != ErrorCode.None)
            {
                return Task.FromResult(SyncFailed(error));
            }

            Touch(member!);
            group!.PendingSync.Remove(member!.MemberId);
            if (group.State == ClassicGroupState.Stable)
            {
                Reschedule(group);
                return Task.FromResult(SyncAnswer(group, member));
            }

            Debug.Assert(group.State == ClassicGroupState.CompletingRebalance, "Check answers members of other states");
            member.AwaitingSync?.TrySetResult(SyncFailed(ErrorCode.RebalanceInProgress));
            var waiter = member.AwaitingSync = NewWaiter<SyncGroupResponse>();
            if (member.MemberId == group.LeaderId)
            {
                Assign(group, request.Assignments);
            }

            Reschedule(group);
            return waiter.Task;
        }
    }

    /// <summary>Serves a Heartbeat: refreshes the member's session and tells it whether a rebalance is under way.</summary>
    public ErrorCode Heartbeat(HeartbeatRequest request)
    {
        lock (_lock)
        {
            var group = _groups.GetValueOrDefault(request.GroupId);
            var (error, member) = Check(group, request.MemberId, request.GroupInstanceId, request.GenerationId);
            if (error != ErrorCode.None)
            {
                return error;
            }

            Touch(member!);
            Reschedule(group!);
            return group!.State == ClassicGroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    /// <summary>Checks an OffsetCommit against the group, as Kafka does: a commit with a negative generation is a
    /// standalone one (a consumer that assigns itself partitions), allowed while the group has no members; any other
    /// must come from a member of the current generation outside a rebalance's sync phase, and counts as its heartbeat.</summary>
    public ErrorCode CheckCommit(string groupId, int generation, string memberId, string? instanceId)
    {
        lock (_lock)
        {
            var group = _groups.GetValueOrDefault(groupId);
            if (!_disposed && group is { State: ClassicGroupState.Dead })
            {
                // Being deleted: the commit would outlive the deletion, or be lost with it.
                return ErrorCode.CoordinatorNotAvailable;
            }

            if (!_disposed && (group is null || group.State == ClassicGroupState.Empty) && generation < 0)
            {
                return ErrorCode.None;
            }

            if (!_disposed && group is null)
            {
                // A generation from a group the coordinator does not know: a member of a group the server forgot.
                return ErrorCode.IllegalGeneration;
            }

            var (error, member) = Check(group, memberId, instanceId, generation);
            if (error != ErrorCode.None)
            {
                return error;
            }

            if (group!.State == ClassicGroupState.CompletingRebalance)
            {
                return ErrorCode.RebalanceInProgress;
            }

            Touch(member!);
            Reschedule(group);
            return ErrorCode.None;
        }
    }

    /// <summary>Serves a LeaveGroup: each member (by member id, or by instance id for a static member) leaves, and the
    /// group rebalances.</summary>
    public List<(string MemberId, string? InstanceId, ErrorCode Error)> Leave(string groupId, IEnumerable<(string MemberId, string? InstanceId)> leaving)
    {
        lock (_lock)
        {
            var group = _groups.GetValueOrDefault(groupId);
            var results = new List<(string, string?, ErrorCode)>();
            foreach (var (memberId, instanceId) in leaving)
            {
                results.Add((memberId, instanceId, _disposed ? ErrorCode.NotCoordinator : group is null ? ErrorCode.UnknownMemberId : LeaveOne(group, memberId, instanceId)));
            }

            if (group is not null && !_disposed)
            {
                TryCompleteJoin(group);
                Reschedule(group);
            }

            return results;
        }
    }

    private ErrorCode LeaveOne(ClassicGroup group, string memberId, string? instanceId)
    {
        if (instanceId is not null)
        {
            var owner = group.FindStatic(instanceId);
            if (owner is null || (memberId.Length > 0 && owner.MemberId != memberId))
            {
                return owner is null ? ErrorCode.UnknownMemberId : ErrorCode.FencedInstanceId;
            }

            memberId = owner.MemberId;
        }

        if (group.Pending.Remove(memberId))
        {
            return ErrorCode.None;
        }

        if (group.Find(memberId) is not { } member)
        {
            return ErrorCode.UnknownMemberId;
        }

        RemoveMember(group, member, "it left the group");
        return ErrorCode.None;
    }

    /// <summary>The checks every request of a member starts with, in Kafka's order.</summary>
    private (ErrorCode Error, ClassicGroupMember? Member) Check(ClassicGroup? group, string memberId, string? instanceId, int generation)
    {
        if (_disposed)
        {
            return (ErrorCode.NotCoordinator, null);
        }

        if (group is null)
        {
            return (ErrorCode.UnknownMemberId, null);
        }

        if (IsFenced(group, instanceId, memberId))
        {
            return (ErrorCode.FencedInstanceId, null);
        }

        var member = group.Find(memberId);
        return member is null || group.State == ClassicGroupState.Empty ? (ErrorCode.UnknownMemberId, null)
            : generation != group.Generation ? (ErrorCode.IllegalGeneration, null)
            : (ErrorCode.None, member);
    }

    /// <summary>Stores the leader's assignments (a member it left out gets an empty one), makes the group stable and
    /// answers every member waiting to sync.</summary>
    private void Assign(ClassicGroup group, List<SyncGroupRequest.SyncGroupRequestAssignment> assignments)
    {
        var byMember = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            // Copied: the request's bytes are a slice of a pooled frame that the next request reuses.
            byMember[assignment.MemberId] = assignment.Assignment.ToArray();
        }

        group.State = ClassicGroupState.Stable;
        foreach (var member in group.Members)
        {
            member.Assignment = byMember.GetValueOrDefault(member.MemberId, []);
            if (member.AwaitingSync is { } waiter)
            {
                member.AwaitingSync = null;
                Touch(member);
                waiter.TrySetResult(SyncAnswer(group, member));
            }
        }

        ServerLog.GroupStable(logger, group.Id, group.Generation, group.Members.Count);
        Save(group);
    }

    private static SyncGroupResponse SyncAnswer(ClassicGroup group, ClassicGroupMember member) =>
        new() { ProtocolType = group.ProtocolType, ProtocolName = group.ProtocolName, Assignment = member.Assignment };
}
