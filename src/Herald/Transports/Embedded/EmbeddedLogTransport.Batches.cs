using Herald.Events;
using Herald.Log;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

// A batch send (the kernel splits it by partition): every envelope encoded first, then one append per partition the
// batch touches, so each partition acknowledges its part with one commit group (one fsync under FlushPolicy.Always).
public sealed partial class EmbeddedLogTransport
{
    /// <inheritdoc/>
    /// <remarks>
    /// Every envelope is encoded before anything is appended, and a damaged or failed partition refuses the batch before
    /// any other partition takes its part. A partition that fails its write or fsync during the batch fails the call
    /// with <see cref="LogFailedException"/>: its part of the batch is not acknowledged, while the parts other partitions
    /// took may be on disk and delivered.
    /// </remarks>
    protected override ValueTask AppendAsync(string topic, IReadOnlyList<EventEnvelope>?[] partitions, CancellationToken cancellationToken)
    {
        var logPartitions = Topic(topic).Partitions;
        var parts = new LogRecord[]?[partitions.Length];
        for (var p = 0; p < partitions.Length; p++)
        {
            // The record is built in a per-thread scratch buffer that the next one reuses: it is copied out to be kept.
            parts[p] = partitions[p]?.Select(envelope => EnvelopeRecords.ToRecord(envelope).Detach()).ToArray();
        }

        // Unavailable partitions first: their append throws before any record is taken, so such a batch sends nothing.
        var order = Enumerable.Range(0, parts.Length).Where(p => parts[p] is not null)
            .OrderBy(p => logPartitions[p].Damage is null && logPartitions[p].Failure is null ? 1 : 0).ToArray();
        if (order.Length == 1)
        {
            return Acknowledged(logPartitions[order[0]].AppendAsync(parts[order[0]]!, cancellationToken));
        }

        var appends = new Task[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            appends[i] = logPartitions[order[i]].AppendAsync(parts[order[i]]!, cancellationToken).AsTask();
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
