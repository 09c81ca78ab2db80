using System.Runtime.InteropServices;
using Herald.Events;
using Herald.Log;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

// A batch send: every envelope encoded first, then one append per partition the batch touches, so each partition
// acknowledges its part with one commit group (one fsync under FlushPolicy.Always).
public sealed partial class EmbeddedLogTransport
{
    /// <summary>Publishes a batch of envelopes to a topic with one append, and one fsync, per partition it touches.</summary>
    /// <remarks>
    /// <para>
    /// Envelopes with a partition key go to their key's partition, in batch order. Envelopes without one all go to the
    /// same partition, chosen round-robin per batch (as Kafka's sticky partitioner does), so a batch of them costs one
    /// fsync; successive batches spread over the partitions.
    /// </para>
    /// <para>
    /// Every envelope is encoded before anything is appended, and a damaged or failed partition refuses the batch before
    /// any other partition takes its part. A partition that fails its write or fsync during the batch fails the call
    /// with <see cref="LogFailedException"/>: its part of the batch is not acknowledged, while the parts other partitions
    /// took may be on disk and delivered.
    /// </para>
    /// </remarks>
    /// <exception cref="LogFailedException">A partition the batch goes to failed to write or fsync.</exception>
    /// <exception cref="LogCorruptedException">A partition the batch goes to is damaged.</exception>
    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        cancellationToken.ThrowIfCancellationRequested();
        if (envelopes.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var partitions = Topic(topic).Partitions;
        var sticky = (int)(Interlocked.Increment(ref _roundRobin) % (uint)partitions.Count);
        var parts = new List<LogRecord>?[partitions.Count];
        foreach (var envelope in envelopes)
        {
            ArgumentNullException.ThrowIfNull(envelope, nameof(envelopes));
            var partition = envelope.PartitionKey is { } key ? KeyPartitioner.Partition(key, partitions.Count) : sticky;

            // The record is built in a per-thread scratch buffer that the next one reuses: it is copied out to be kept.
            (parts[partition] ??= new List<LogRecord>((envelopes.Count / partitions.Count) + 1)).Add(EnvelopeRecords.ToRecord(envelope).Detach());
        }

        // Unavailable partitions first: their append throws before any record is taken, so such a batch sends nothing.
        var order = Enumerable.Range(0, parts.Length).Where(p => parts[p] is not null)
            .OrderBy(p => partitions[p].Damage is null && partitions[p].Failure is null ? 1 : 0).ToArray();
        if (order.Length == 1)
        {
            return Acknowledged(partitions[order[0]].AppendAsync(CollectionsMarshal.AsSpan(parts[order[0]]), cancellationToken));
        }

        var appends = new Task[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            appends[i] = partitions[order[i]].AppendAsync(CollectionsMarshal.AsSpan(parts[order[i]]), cancellationToken).AsTask();
        }

        return new ValueTask(Task.WhenAll(appends));
    }

    private static ValueTask Acknowledged(ValueTask<long> append)
    {
        if (append.IsCompletedSuccessfully)
        {
            return ValueTask.CompletedTask;
        }

        return AwaitAsync(append);

        static async ValueTask AwaitAsync(ValueTask<long> append) => await append.ConfigureAwait(false);
    }
}
