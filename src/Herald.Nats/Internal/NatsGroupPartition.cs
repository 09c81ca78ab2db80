namespace Herald.Nats.Internal;

/// <summary>What the members of one consumer group in this process share about one partition: its lease, its owner and its retry bookkeeping.</summary>
/// <remarks>
/// JetStream counts every delivery in <c>NumDelivered</c>, including the ones Herald does not count as attempts: the
/// events behind a failed one that are put back with it, an event deferred by an open circuit and the events handed
/// back when the partition moves. <see cref="Uncounted"/> remembers those per stream sequence so that
/// <c>DeliveryCount</c> keeps the contract; like <see cref="FirstFailedAt"/> it lives in this process only, so after a
/// restart the server's count (which can only be higher) applies. Guarded by the owning <see cref="NatsGroup"/>'s lock
/// for ownership and by its own lock for the maps.
/// </remarks>
internal sealed class NatsGroupPartition(int partition)
{
    public int Partition { get; } = partition;

    public Lock Sync { get; } = new();

    public Dictionary<ulong, int> Uncounted { get; } = [];

    public Dictionary<ulong, DateTimeOffset> FirstFailedAt { get; } = [];

    /// <summary>Gets or sets the reader that owns the partition now; <see langword="null"/> when no member does.</summary>
    public NatsPartitionReader? Owner { get; set; }

    /// <summary>Gets or sets whether this process holds the partition's lease. Guarded by the group's lock.</summary>
    public bool Leased { get; set; }

    /// <summary>Gets or sets the revision of the lease entry this process last wrote.</summary>
    public ulong LeaseRevision { get; set; }

    /// <summary>Gets or sets when this process last wrote the lease.</summary>
    public DateTimeOffset RenewedAt { get; set; }

    /// <summary>Gets or sets the task that completes once the previous owner has handed its deliveries back.</summary>
    public Task Released { get; set; } = Task.CompletedTask;

    public int DeliveryCount(ulong sequence, ulong numDelivered)
    {
        lock (Sync)
        {
            var uncounted = Uncounted.GetValueOrDefault(sequence);
            return (int)Math.Clamp((long)numDelivered - uncounted, 1, int.MaxValue);
        }
    }

    public DateTimeOffset? FailedSince(ulong sequence)
    {
        lock (Sync)
        {
            return FirstFailedAt.TryGetValue(sequence, out var at) ? at : null;
        }
    }

    public void NotCounted(IEnumerable<ulong> sequences)
    {
        lock (Sync)
        {
            foreach (var sequence in sequences)
            {
                Uncounted[sequence] = Uncounted.GetValueOrDefault(sequence) + 1;
            }
        }
    }

    public void Failed(ulong sequence, DateTimeOffset at)
    {
        lock (Sync)
        {
            FirstFailedAt.TryAdd(sequence, at);
        }
    }

    public void Settled(ulong sequence)
    {
        lock (Sync)
        {
            Uncounted.Remove(sequence);
            FirstFailedAt.Remove(sequence);
        }
    }
}
