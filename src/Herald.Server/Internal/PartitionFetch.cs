using Herald.Log;
using Herald.Log.Storage;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>One partition of a fetch: where to read, and what was read (record batches as stored) or why not.</summary>
internal sealed class PartitionFetch(string topic, int partitionIndex, LogPartition? partition, long offset, int maxBytes)
{
    public string Topic { get; } = topic;

    public int PartitionIndex { get; } = partitionIndex;

    public LogPartition? Partition { get; } = partition;

    public long Offset { get; } = offset;

    public int MaxBytes { get; } = maxBytes;

    public ErrorCode Error { get; set; } = partition is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None;

    public byte[]? Records { get; private set; }

    public long HighWatermark => Partition?.EndOffset ?? -1;

    public long LogStartOffset => Partition?.StartOffset ?? -1;

    /// <summary>Serves a fetch: reads what every partition has past its offset, waiting up to <paramref name="maxWait"/>
    /// until at least <paramref name="minBytes"/> are there, and at most <paramref name="maxBytes"/> in all (the first
    /// batch always, however large, so that a client never stalls on a batch larger than it asked for).</summary>
    public static async Task ReadAsync(IReadOnlyList<PartitionFetch> fetches, ConnectionState connection, TimeSpan maxWait, int minBytes, int maxBytes, TimeProvider time, CancellationToken cancellationToken)
    {
        foreach (var fetch in fetches)
        {
            if (fetch.Partition is { } partition && (fetch.Offset < partition.StartOffset || fetch.Offset > partition.EndOffset))
            {
                fetch.Error = ErrorCode.OffsetOutOfRange;
            }
        }

        var deadline = time.GetUtcNow() + maxWait;
        while (true)
        {
            var total = 0;
            foreach (var fetch in fetches)
            {
                if (fetch.Error == ErrorCode.None && fetch.Records is null)
                {
                    fetch.Read(connection, maxBytes - total, total == 0);
                }

                total += fetch.Records?.Length ?? 0;
            }

            var left = deadline - time.GetUtcNow();
            if (total >= Math.Max(1, minBytes) || left <= TimeSpan.Zero || fetches.All(f => f.Error != ErrorCode.None))
            {
                return;
            }

            var signals = new List<Task>(fetches.Count + 1);
            foreach (var fetch in fetches)
            {
                if (fetch.Error == ErrorCode.None && fetch.Records is null && connection.Reader(fetch.Partition!, fetch.Offset).GetDataSignal() is { } signal)
                {
                    signals.Add(signal);
                }
            }

            if (signals.Count == fetches.Count(f => f.Error == ErrorCode.None && f.Records is null))
            {
                signals.Add(Task.Delay(left, time, cancellationToken));
                await Task.WhenAny(signals).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    // Reads the batches past Offset, whole batches only, up to this partition's and the response's room.
    private void Read(ConnectionState connection, int room, bool firstInResponse)
    {
        var reader = connection.Reader(Partition!, Offset);
        if (!reader.TryRead(out var records))
        {
            return;
        }

        var bytes = records.Bytes;
        var limit = Math.Min(MaxBytes, room);
        var length = 0;
        while (RecordBatchHeader.TryRead(bytes[length..], out var header))
        {
            var size = header.Size;
            if (length + size > limit && !(length == 0 && firstInResponse))
            {
                break;
            }

            length += size;
            if (length >= limit)
            {
                break;
            }
        }

        if (length > 0)
        {
            Records = bytes[..length].ToArray();
        }
    }
}
