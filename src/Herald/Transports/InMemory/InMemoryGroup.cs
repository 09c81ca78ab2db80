namespace Herald.Transports.InMemory;

/// <summary>A consumer group of one topic: its members and its state per partition. Guarded by the topic's lock.</summary>
internal sealed class InMemoryGroup
{
    public InMemoryGroup(IReadOnlyList<InMemoryPartition> partitions)
    {
        Partitions = new InMemoryGroupPartition[partitions.Count];
        for (var i = 0; i < Partitions.Length; i++)
        {
            Partitions[i] = new InMemoryGroupPartition(partitions[i].BaseOffset);
        }
    }

    public List<InMemoryListener> Members { get; } = [];

    public InMemoryGroupPartition[] Partitions { get; }

    /// <summary>Spreads the partitions over the members; a partition that changes hands restarts at its committed offset.</summary>
    public void Rebalance()
    {
        for (var p = 0; p < Partitions.Length; p++)
        {
            var state = Partitions[p];
            var owner = Members.Count == 0 ? null : Members[p % Members.Count];
            if (!ReferenceEquals(owner, state.Owner))
            {
                state.Owner = owner;
                state.Position = state.Committed;
                state.CompletedAhead.Clear();
                state.Generation++;
            }
        }

        foreach (var member in Members)
        {
            member.Signal();
        }
    }
}
