using Herald.Log.Groups;
using Herald.Server.Protocol;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Internal.Groups;

/// <summary>Kafka's classic group coordinator: members join a group, one of them (the leader) assigns, the others receive
/// its assignments, and any member that joins, leaves or goes silent starts a new generation.</summary>
/// <remarks>
/// <para>Follows Kafka's GroupCoordinator: the states of <see cref="ClassicGroupState"/>; MEMBER_ID_REQUIRED for a JoinGroup
/// v4+ without a member id; a rebalance that waits for every member, or drops those still missing after the largest
/// rebalance timeout; an empty group's first rebalance waiting <see cref="HeraldServerOptions.GroupInitialRebalanceDelay"/>
/// for more members; members that send no SyncGroup within the rebalance timeout after a rebalance removed; sessions
/// that end when a member sends nothing within its session timeout.</para>
/// <para>Static members (<c>group.instance.id</c>, JoinGroup v5+) are supported as in Kafka: a static member that rejoins
/// without its member id takes over its old id's place (the old id is fenced with FENCED_INSTANCE_ID) and, when the
/// group is stable and its protocols still fit, gets its old assignment back without a rebalance; one that is missing
/// when a rebalance completes stays a member until its session times out.</para>
/// <para>As Kafka keeps groups in <c>__consumer_offsets</c>, each group's generation, leader, members and assignments are
/// saved to the <see cref="GroupStore"/> when the group becomes stable (and removed when it becomes empty), and
/// <see cref="Load"/> brings them back as stable groups after a restart: members that heartbeat or commit with their
/// member id and generation go on, those that do not come back time out and the group rebalances. Committed offsets live
/// in the log's <see cref="ConsumerGroups"/>. Timers run on the options' time provider. One lock guards every group:
/// each operation is a few dictionary and list steps, nothing waits under it, and answers complete their waiters'
/// continuations asynchronously.</para>
/// </remarks>
internal sealed partial class GroupCoordinator(HeraldServerOptions options, ILogger logger, GroupStore? store = null) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = options.Log.TimeProvider;
    private bool _disposed;

    /// <summary>Serves a JoinGroup; the task completes when the member has its answer (at once, or when the rebalance
    /// completes or the member is removed).</summary>
    public Task<JoinGroupResponse> JoinAsync(JoinGroupRequest request, short version, string clientId, string clientHost)
    {
        lock (_lock)
        {
            var group = _groups.GetValueOrDefault(request.GroupId);
            var joined = Join(request, version, clientId, clientHost, ref group);
            if (group is not null)
            {
                Reschedule(group);
            }

            return joined;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var group in _groups.Values)
            {
                group.Timer?.Dispose();
                foreach (var member in group.Members)
                {
                    // The server stops: the client finds the coordinator again, and its group, once a server is back.
                    member.AwaitingJoin?.TrySetResult(JoinFailed(ErrorCode.NotCoordinator, member.MemberId));
                    member.AwaitingSync?.TrySetResult(SyncFailed(ErrorCode.NotCoordinator));
                }
            }

            _groups.Clear();
        }
    }

    private Task<JoinGroupResponse> Join(JoinGroupRequest request, short version, string clientId, string clientHost, ref ClassicGroup? group)
    {
        var sessionTimeout = TimeSpan.FromMilliseconds(request.SessionTimeoutMs);
        var known = request.MemberId.Length > 0;
        var refusal = _disposed ? ErrorCode.NotCoordinator
            : !ConsumerGroups.IsValidName(request.GroupId) ? ErrorCode.InvalidGroupId
            : group is { State: ClassicGroupState.Dead } ? ErrorCode.CoordinatorNotAvailable
            : sessionTimeout < options.GroupMinSessionTimeout || sessionTimeout > options.GroupMaxSessionTimeout ? ErrorCode.InvalidSessionTimeout
            : group is null && known ? ErrorCode.UnknownMemberId
            : !(group ?? new ClassicGroup(request.GroupId)).SupportsProtocols(request.ProtocolType, request.Protocols.Select(p => p.Name)) ? ErrorCode.InconsistentGroupProtocol
            : ErrorCode.None;
        if (refusal != ErrorCode.None)
        {
            return Task.FromResult(JoinFailed(refusal, request.MemberId));
        }

        if (group is null && !TryCreate(request.GroupId, out group))
        {
            return Task.FromResult(JoinFailed(ErrorCode.CoordinatorNotAvailable, request.MemberId));
        }

        var joining = ClassicGroupMember.From(request, clientId, clientHost);
        return known ? JoinKnown(group, joining, request.MemberId) : JoinNew(group, joining, version);
    }

    private Task<JoinGroupResponse> JoinNew(ClassicGroup group, ClassicGroupMember joining, short version)
    {
        if (joining.InstanceId is { } instance && group.FindStatic(instance) is { } existing)
        {
            return ReplaceStatic(group, existing, joining, version);
        }

        if (group.Size >= options.GroupMaxSize)
        {
            return Task.FromResult(JoinFailed(ErrorCode.GroupMaxSizeReached, ""));
        }

        var memberId = $"{joining.ClientId}-{Guid.NewGuid()}";
        if (version >= 4 && joining.InstanceId is null)
        {
            // The member learns its id before it counts: a client that never comes back with it (it timed out, or it
            // was a retry of a JoinGroup whose answer got lost) only holds a pending id, for one session timeout.
            group.Pending[memberId] = _time.GetUtcNow() + joining.SessionTimeout;
            return Task.FromResult(JoinFailed(ErrorCode.MemberIdRequired, memberId));
        }

        joining.MemberId = memberId;
        return AddAndRebalance(group, joining);
    }

    private Task<JoinGroupResponse> JoinKnown(ClassicGroup group, ClassicGroupMember joining, string memberId)
    {
        if (IsFenced(group, joining.InstanceId, memberId))
        {
            return Task.FromResult(JoinFailed(ErrorCode.FencedInstanceId, memberId));
        }

        if (group.Pending.Remove(memberId))
        {
            joining.MemberId = memberId;
            return AddAndRebalance(group, joining);
        }

        var member = group.Find(memberId);
        var rejoinsUnchanged = member is not null && member.HasSameProtocols(joining);
        switch (group.State)
        {
            case ClassicGroupState.PreparingRebalance when member is not null:
            case ClassicGroupState.CompletingRebalance when member is not null && !rejoinsUnchanged:
            case ClassicGroupState.Stable when member is not null && (!rejoinsUnchanged || member.MemberId == group.LeaderId):
                // A leader's JoinGroup in a stable group rebalances even unchanged: that is how a consumer's leader asks
                // for a new assignment when the topics' partitions change.
                return UpdateAndRebalance(group, member, joining);
            case ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable when member is not null:
                // A JoinGroup sent again (its answer was lost): the generation it already belongs to.
                Touch(member);
                return Task.FromResult(JoinAnswer(group, member, skipAssignment: false));
            default:
                return Task.FromResult(JoinFailed(ErrorCode.UnknownMemberId, memberId));
        }
    }

    private Task<JoinGroupResponse> AddAndRebalance(ClassicGroup group, ClassicGroupMember member)
    {
        var waiter = member.AwaitingJoin = NewWaiter<JoinGroupResponse>();
        group.Add(member);
        group.NewMemberAdded |= group.InInitialDelay;
        MaybePrepareRebalance(group, $"member {member.MemberId} joined");
        TryCompleteJoin(group);
        return waiter.Task;
    }

    private Task<JoinGroupResponse> UpdateAndRebalance(ClassicGroup group, ClassicGroupMember member, ClassicGroupMember joining)
    {
        // A JoinGroup of the same member on another connection replaces the one waiting, whose client gave up on it.
        member.AwaitingJoin?.TrySetResult(JoinFailed(ErrorCode.RebalanceInProgress, member.MemberId));
        member.Update(joining);
        var waiter = member.AwaitingJoin = NewWaiter<JoinGroupResponse>();
        MaybePrepareRebalance(group, $"member {member.MemberId} rejoined");
        TryCompleteJoin(group);
        return waiter.Task;
    }

    // KIP-345: the instance's new member id takes the old one's place; the old id is fenced from now on.
    private Task<JoinGroupResponse> ReplaceStatic(ClassicGroup group, ClassicGroupMember member, ClassicGroupMember joining, short version)
    {
        var oldId = member.MemberId;
        member.AwaitingJoin?.TrySetResult(JoinFailed(ErrorCode.FencedInstanceId, oldId));
        member.AwaitingSync?.TrySetResult(SyncFailed(ErrorCode.FencedInstanceId));
        (member.AwaitingJoin, member.AwaitingSync) = (null, null);
        member.MemberId = $"{joining.ClientId}-{Guid.NewGuid()}";
        member.Update(joining);
        Touch(member);
        group.LeaderId = group.LeaderId == oldId ? member.MemberId : group.LeaderId;
        if (group.PendingSync.Remove(oldId))
        {
            group.PendingSync.Add(member.MemberId);
        }

        if (group.State == ClassicGroupState.Stable && group.SelectProtocol() == group.ProtocolName)
        {
            // Its assignment stands. As in Kafka, a leader that can skip assigning (v9) gets the members, and an older
            // one none: either way its SyncGroup in a stable group only fetches its assignment.
            Save(group);
            var answer = JoinAnswer(group, member, skipAssignment: version >= 9);
            if (version < 9)
            {
                answer.Members.Clear();
            }

            return Task.FromResult(answer);
        }

        var waiter = member.AwaitingJoin = NewWaiter<JoinGroupResponse>();
        MaybePrepareRebalance(group, $"static member {member.InstanceId} rejoined as {member.MemberId}");
        TryCompleteJoin(group);
        return waiter.Task;
    }

    private bool TryCreate(string id, out ClassicGroup group)
    {
        if (_groups.Count >= options.MaxGroups)
        {
            // Make room by forgetting an empty group: its committed offsets stay in the log, only its generation goes.
            var idle = _groups.Values.FirstOrDefault(g => g.State == ClassicGroupState.Empty && g.Pending.Count == 0);
            if (idle is null)
            {
                ServerLog.GroupRefused(logger, id, $"the coordinator holds MaxGroups ({options.MaxGroups}) groups with members");
                group = null!;
                return false;
            }

            Forget(idle);
        }

        group = new ClassicGroup(id);
        _groups.Add(id, group);
        return true;
    }

    private void Forget(ClassicGroup group)
    {
        group.Timer?.Dispose();
        group.State = ClassicGroupState.Dead;
        _groups.Remove(group.Id);
    }

    private static bool IsFenced(ClassicGroup group, string? instanceId, string memberId) =>
        instanceId is not null && group.FindStatic(instanceId) is { } owner && owner.MemberId != memberId;

    private void Touch(ClassicGroupMember member) => member.SessionDeadline = _time.GetUtcNow() + member.SessionTimeout;

    private static TaskCompletionSource<T> NewWaiter<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The member's answer for the group's current generation: the members and their metadata for the leader.</summary>
    private static JoinGroupResponse JoinAnswer(ClassicGroup group, ClassicGroupMember member, bool skipAssignment)
    {
        var leads = member.MemberId == group.LeaderId;
        return new JoinGroupResponse
        {
            GenerationId = group.Generation,
            ProtocolType = group.ProtocolType,
            ProtocolName = group.ProtocolName,
            Leader = group.LeaderId ?? "",
            MemberId = member.MemberId,
            SkipAssignment = leads && skipAssignment,
            Members = leads ? [.. group.Members.Select(m => new JoinGroupResponse.JoinGroupResponseMember { MemberId = m.MemberId, GroupInstanceId = m.InstanceId, Metadata = m.Metadata(group.ProtocolName) })] : [],
        };
    }

    private static JoinGroupResponse JoinFailed(ErrorCode error, string memberId) =>
        new() { ErrorCode = (short)error, MemberId = memberId, ProtocolName = null };

    private static SyncGroupResponse SyncFailed(ErrorCode error) => new() { ErrorCode = (short)error };
}
