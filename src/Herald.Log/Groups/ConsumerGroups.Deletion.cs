namespace Herald.Log.Groups;

// A deleted topic's committed offsets and members go with it: a topic created again with its name starts afresh.
public sealed partial class ConsumerGroups
{
    // Topics whose deletion a read-only open found unfinished: their offsets are still on disk, and not shown.
    private readonly HashSet<string> _hidden = new(StringComparer.Ordinal);

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
