using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>DeleteGroups, in two steps around the removal of the group's committed offsets (which waits for the disk, so
/// not under the lock): <see cref="BeginDelete"/> marks the group Dead, <see cref="EndDelete"/> forgets it or brings it
/// back.</summary>
/// <remarks>As in Kafka, a group that is Dead while its deletion runs refuses JoinGroup and OffsetCommit with
/// COORDINATOR_NOT_AVAILABLE, which clients retry: no member joins and no commit lands between the check that the group
/// is empty and the removal of its offsets.</remarks>
internal sealed partial class GroupCoordinator
{
    /// <summary>Starts deleting a group: NON_EMPTY_GROUP while it has members (a rebalance under way counts), otherwise
    /// NONE with the group, or a placeholder when the coordinator does not know it, marked Dead until
    /// <see cref="EndDelete"/>.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="known">Whether the coordinator knew the group (an Empty one): it exists, whatever its offsets.</param>
    public ErrorCode BeginDelete(string groupId, out bool known)
    {
        lock (_lock)
        {
            known = false;
            if (_disposed)
            {
                return ErrorCode.NotCoordinator;
            }

            if (!_groups.TryGetValue(groupId, out var group))
            {
                _groups.Add(groupId, new ClassicGroup(groupId) { State = ClassicGroupState.Dead });
                return ErrorCode.None;
            }

            switch (group.State)
            {
                case ClassicGroupState.Empty:
                    // Its timer only serves member ids handed out and not joined with yet: Tick ignores a Dead group.
                    (group.State, known) = (ClassicGroupState.Dead, true);
                    return ErrorCode.None;
                case ClassicGroupState.Dead:
                    // Another DeleteGroups of the same group is under way.
                    return ErrorCode.CoordinatorNotAvailable;
                default:
                    return ErrorCode.NonEmptyGroup;
            }
        }
    }

    /// <summary>Ends a deletion <see cref="BeginDelete"/> started: a deleted group is forgotten and its saved record (if
    /// any) removed; one that stays is Empty again, and a placeholder goes.</summary>
    public void EndDelete(string groupId, bool known, bool deleted)
    {
        lock (_lock)
        {
            if (_disposed || !_groups.TryGetValue(groupId, out var group) || group.State != ClassicGroupState.Dead)
            {
                return;
            }

            if (deleted || !known)
            {
                group.Timer?.Dispose();
                _groups.Remove(groupId);
                if (deleted)
                {
                    // An Empty group has no stored record (Save removes it when the group empties); this keeps it so
                    // should that change: a deleted group must never be loaded at the next start.
                    store?.Save(groupId, null);
                }

                return;
            }

            group.State = ClassicGroupState.Empty;
            Reschedule(group);
        }
    }
}
