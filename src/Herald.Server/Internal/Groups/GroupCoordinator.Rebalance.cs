using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>Rebalances, member removal and the group timer: what moves a group from one generation to the next.</summary>
internal sealed partial class GroupCoordinator
{
    private void MaybePrepareRebalance(ClassicGroup group, string reason)
    {
        if (group.State is ClassicGroupState.Empty or ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance)
        {
            PrepareRebalance(group, reason);
        }
    }

    private void PrepareRebalance(ClassicGroup group, string reason)
    {
        if (group.State == ClassicGroupState.CompletingRebalance)
        {
            // The generation the followers wait to sync on is over before the leader assigned it.
            foreach (var member in group.Members)
            {
                member.AwaitingSync?.TrySetResult(SyncFailed(ErrorCode.RebalanceInProgress));
                member.AwaitingSync = null;
            }
        }

        var now = _time.GetUtcNow();
        var fromEmpty = group.State == ClassicGroupState.Empty;
        var timeout = group.RebalanceTimeout;
        (group.State, group.SyncDeadline, group.NewMemberAdded) = (ClassicGroupState.PreparingRebalance, null, false);
        group.PendingSync.Clear();
        group.InInitialDelay = fromEmpty && options.GroupInitialRebalanceDelay > TimeSpan.Zero;
        if (group.InInitialDelay)
        {
            var delay = options.GroupInitialRebalanceDelay < timeout ? options.GroupInitialRebalanceDelay : timeout;
            (group.JoinDeadline, group.InitialDelayLeft) = (now + delay, timeout - delay);
        }
        else
        {
            group.JoinDeadline = now + timeout;
        }

        ServerLog.RebalanceStarted(logger, group.Id, group.Generation, reason);
    }

    private void TryCompleteJoin(ClassicGroup group)
    {
        if (group.State == ClassicGroupState.PreparingRebalance && !group.InInitialDelay && group.AllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>Ends the rebalance with the members that rejoined: the next generation, its protocol and leader, and every
    /// waiting member's answer.</summary>
    private void CompleteJoin(ClassicGroup group)
    {
        (group.JoinDeadline, group.InInitialDelay) = (null, false);
        foreach (var missing in group.Members.Where(m => m.AwaitingJoin is null && m.InstanceId is null).ToList())
        {
            group.Remove(missing);
            ServerLog.MemberRemoved(logger, missing.MemberId, group.Id, "it did not rejoin within the rebalance timeout");
        }

        var now = _time.GetUtcNow();
        if (group.Members.Count > 0 && !group.Members.Any(m => m.AwaitingJoin is not null))
        {
            // Only static members that did not rejoin are left: wait once more; their sessions remove those that are gone.
            group.JoinDeadline = now + group.RebalanceTimeout;
            return;
        }

        if (group.Find(group.LeaderId ?? "") is not { AwaitingJoin: not null })
        {
            group.LeaderId = group.Members.FirstOrDefault(m => m.AwaitingJoin is not null)?.MemberId;
        }

        group.Generation++;
        if (group.Members.Count == 0)
        {
            (group.State, group.ProtocolName, group.LeaderId) = (ClassicGroupState.Empty, null, null);
            ServerLog.GroupRebalanced(logger, group.Id, group.Generation, 0, "none");
            Save(group);
            return;
        }

        (group.State, group.ProtocolName) = (ClassicGroupState.CompletingRebalance, group.SelectProtocol());
        foreach (var member in group.Members)
        {
            group.PendingSync.Add(member.MemberId);
            if (member.AwaitingJoin is { } waiter)
            {
                member.AwaitingJoin = null;
                member.SessionDeadline = now + member.SessionTimeout;
                waiter.TrySetResult(JoinAnswer(group, member, skipAssignment: false));
            }
        }

        group.SyncDeadline = now + group.RebalanceTimeout;
        ServerLog.GroupRebalanced(logger, group.Id, group.Generation, group.Members.Count, group.ProtocolName);
    }

    /// <summary>Removes a member (it left, or its session or a deadline ran out) and rebalances the rest.</summary>
    private void RemoveMember(ClassicGroup group, ClassicGroupMember member, string reason)
    {
        member.AwaitingJoin?.TrySetResult(JoinFailed(ErrorCode.UnknownMemberId, member.MemberId));
        member.AwaitingSync?.TrySetResult(SyncFailed(ErrorCode.UnknownMemberId));
        (member.AwaitingJoin, member.AwaitingSync) = (null, null);
        group.Remove(member);
        ServerLog.MemberRemoved(logger, member.MemberId, group.Id, reason);
        MaybePrepareRebalance(group, $"member {member.MemberId} was removed: {reason}");
        TryCompleteJoin(group);
    }

    /// <summary>Serves the group's deadlines that have passed: pending member ids and sessions that lapsed, the end of a
    /// rebalance, members that did not sync.</summary>
    private void Tick(ClassicGroup group)
    {
        lock (_lock)
        {
            if (_disposed || group.State == ClassicGroupState.Dead)
            {
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var (pending, _) in group.Pending.Where(p => p.Value <= now).ToList())
            {
                group.Pending.Remove(pending);
            }

            foreach (var member in group.Members.Where(m => ClassicGroup.IsSessionRunning(m) && m.SessionDeadline <= now).ToList())
            {
                // Removing one member can complete a rebalance, which removes others: only those still there.
                if (group.Find(member.MemberId) == member)
                {
                    RemoveMember(group, member, $"no heartbeat within its session timeout ({member.SessionTimeout.TotalMilliseconds:0} ms)");
                }
            }

            if (group.State == ClassicGroupState.PreparingRebalance && group.JoinDeadline <= now)
            {
                ExtendOrCompleteJoin(group);
            }

            TryCompleteJoin(group);
            if (group.SyncDeadline <= now)
            {
                group.SyncDeadline = null;
                foreach (var member in group.Members.Where(m => group.PendingSync.Contains(m.MemberId)).ToList())
                {
                    RemoveMember(group, member, "no SyncGroup within the rebalance timeout");
                }
            }

            Reschedule(group);
        }
    }

    private void ExtendOrCompleteJoin(ClassicGroup group)
    {
        if (group.InInitialDelay && group.NewMemberAdded && group.InitialDelayLeft > TimeSpan.Zero)
        {
            // Members keep arriving at an empty group: wait another delay for the rest, within the rebalance timeout.
            var delay = options.GroupInitialRebalanceDelay < group.InitialDelayLeft ? options.GroupInitialRebalanceDelay : group.InitialDelayLeft;
            (group.JoinDeadline, group.InitialDelayLeft, group.NewMemberAdded) = (group.JoinDeadline + delay, group.InitialDelayLeft - delay, false);
            return;
        }

        CompleteJoin(group);
    }

    /// <summary>Sets the group's timer to its next deadline; called under the lock after every change to the group.</summary>
    private void Reschedule(ClassicGroup group)
    {
        if (_disposed || group.State == ClassicGroupState.Dead)
        {
            return;
        }

        if (group.NextDeadline() is not { } next)
        {
            group.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        group.Timer ??= _time.CreateTimer(state => Tick((ClassicGroup)state!), group, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Never zero: a fake clock would run the callback inside this call, under the lock, in the middle of a change.
        var due = next - _time.GetUtcNow();
        group.Timer.Change(due > TimeSpan.FromMilliseconds(1) ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }
}
