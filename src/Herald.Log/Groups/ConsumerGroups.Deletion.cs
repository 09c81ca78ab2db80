namespace Herald.Log.Groups;

// A deleted topic's committed offsets and members go with it: a topic created again with its name starts afresh. A
// deleted group's offsets go too: a group of that name starts again at each partition's oldest stored record.
public sealed partial class ConsumerGroups
{
    // Topics whose deletion a read-only open found unfinished: their offsets are still on disk, and not shown.
    private readonly HashSet<string> _hidden = new(StringComparer.Ordinal);

    /// <summary>Deletes <paramref name="group"/>'s committed offsets, on disk and in memory, unless a member of it is open
    /// in this process; returns false when the log knows no such group (it is not in <see cref="Names"/>).</summary>
    /// <remarks>The deletion is durable when this returns: a crash leaves the group's offsets whole or gone. A commit or
    /// <see cref="Join"/> after it starts the group afresh. Kafka's DeleteGroups, through <c>herald serve</c>, calls it.</remarks>
    /// <exception cref="ArgumentException">The group cannot be named (see <see cref="IsValidName"/>).</exception>
    /// <exception cref="InvalidOperationException">The group has a member in this process (an open
    /// <see cref="GroupMember"/>), or the log is open read-only; nothing was deleted.</exception>
    /// <exception cref="IOException">Removing the offsets failed: a group open here keeps them (the next flush writes them
    /// back); the file of one that is not may or may not be gone.</exception>
    public bool Delete(string group)
    {
        CommittedOffsetFile.Stem(group);
        lock (_flushGate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);

            // The file goes under the lock, though it waits for the disk: no member joins, no load reads the file and no
            // commit lands between the check for members and the removal. Deleting a group is rare and short (a file
            // unlinked, its directory flushed). Under the flush gate, so no flush writes an older snapshot back after it.
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _groups.TryGetValue(group, out var state);
                if (state is { HasMembers: true })
                {
                    throw new InvalidOperationException($"Consumer group '{group}' has members in this process: it is deleted once they leave.");
                }

                bool hadFile;
                try
                {
                    hadFile = Store.Delete(group);
                }
                catch (IOException)
                {
                    // The file may be gone already: the offsets in memory go back to disk with the next flush.
                    state?.Dirty = true;
                    throw;
                }

                _groups.Remove(group);
                return hadFile || state is not null;
            }
        }
    }

    /// <summary>Removes every group's committed offsets on <paramref name="topic"/>, on disk and in memory, and takes the
    /// topic's partitions from its members in this process: their assignment becomes empty and their commits are ignored.</summary>
    /// <remarks>The topic is out of the log already, so <see cref="CommitOffsets"/> refuses it from then on.</remarks>
    internal void RemoveTopic(string topic)
    {
        lock (_flushGate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);

            // The files first, under the flush gate: a group loaded after this reads them without the topic, one loaded
            // before is cleaned below, and no flush can write an older snapshot back in between.
            Store.RemoveTopic(topic);
            lock (_lock)
            {
                foreach (var state in _groups.Values)
                {
                    state.RemoveTopic(topic);
                }
            }
        }
    }

    /// <summary>Hides the committed offsets on <paramref name="topic"/>, a topic a read-only open found deleted.</summary>
    internal void Hide(string topic)
    {
        lock (_lock)
        {
            _hidden.Add(topic);
        }
    }

    // Under _lock.
    private IReadOnlyDictionary<(string Topic, int Partition), long> Visible(IReadOnlyDictionary<(string Topic, int Partition), long> offsets) =>
        _hidden.Count == 0 ? offsets : offsets.Where(entry => !_hidden.Contains(entry.Key.Topic)).ToDictionary();
}
