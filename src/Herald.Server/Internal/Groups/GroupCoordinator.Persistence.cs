namespace Herald.Server.Internal.Groups;

/// <summary>Groups across restarts: saved to the <see cref="GroupStore"/> where Kafka stores them, loaded at start.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Loads the groups the store holds as stable at their generation, each member's session starting now; a
    /// record that cannot be read is logged and removed, and its group starts empty.</summary>
    public void Load()
    {
        if (store is null)
        {
            return;
        }

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var (id, record) in store.TakeRecords())
            {
                try
                {
                    var group = ClassicGroupRecord.Read(id, record, now);
                    _groups[id] = group;
                    Reschedule(group);
                }
                catch (InvalidDataException e)
                {
                    ServerLog.GroupNotLoaded(logger, id, e.Message);
                    store.Save(id, null);
                }
            }

            ServerLog.GroupsLoaded(logger, _groups.Count);
        }
    }

    /// <summary>Saves the group as it stands (a removal once it is empty); called where Kafka stores a group: when it
    /// becomes stable or empty, and when a static member takes over its old member id in a stable group.</summary>
    private void Save(ClassicGroup group) =>
        store?.Save(group.Id, group.State == ClassicGroupState.Empty ? null : ClassicGroupRecord.Write(group));
}
