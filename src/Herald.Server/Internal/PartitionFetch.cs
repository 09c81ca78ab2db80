using Herald.Log;
using Herald.Log.Storage;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>One partition of a fetch: where to read, and what was read (record batches as stored, in a buffer the
/// connection lends until its next fetch) or why not.</summary>
internal sealed class PartitionFetch(string topic, int partitionIndex, LogPartition? partition, long offset, int maxBytes)
{
    private byte[]? _buffer;
    private int _length;
    private long _next = offset;

    public string Topic { get; } = topic;

    public int PartitionIndex { get; } = partitionIndex;

    public LogPartition? Partition { get; } = partition;

    public long Offset { get; } = offset;

    public int MaxBytes { get; } = maxBytes;

    public ErrorCode Error { get; set; } = partition is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None;

    /// <summary>Gets the batches read, or null when none; valid until the connection's next fetch.</summary>
    public ReadOnlyMemory<byte>? Records => _length > 0 ? _buffer.AsMemory(0, _length) : null;

    public long HighWatermark => Partition is { } partition && Error != ErrorCode.UnknownTopicOrPartition ? partition.EndOffset : -1;

    public long LogStartOffset => Partition is { } partition && Error != ErrorCode.UnknownTopicOrPartition ? partition.StartOffset : -1;

    private bool Open => Error == ErrorCode.None && _length < MaxBytes;

    /// <summary>Serves a fetch: reads what every partition has past its offset, waiting up to <paramref name="maxWait"/>
    /// until at least <paramref name="minBytes"/> are there, and at most <paramref name="maxBytes"/> in all (the first
    /// batch always, however large, so that a client never stalls on a batch larger than it asked for). Each partition
    /// is read until its own limit, the response's, or its end, so one round trip carries what the client asked for.</summary>
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
        var total = 0;
        while (true)
        {
            foreach (var fetch in fetches)
            {
                if (fetch.Open && total < maxBytes)
                {
                    total += fetch.Read(connection, maxBytes - total, total == 0);
                }
            }

            var left = deadline - time.GetUtcNow();
            if (total >= Math.Max(1, minBytes) || total >= maxBytes || left <= TimeSpan.Zero || !fetches.Any(f => f.Open))
            {
                return;
            }

            // Wait for any open partition to get more; a partition with data unread already loops at once.
            var signals = new List<Task>(fetches.Count + 1);
            var ready = false;
            foreach (var fetch in fetches)
            {
                if (fetch.Open && fetch.ReaderOf(connection) is { } reader)
                {
                    if (reader.GetDataSignal() is { } signal)
                    {
                        signals.Add(signal);
                    }
                    else
                    {
                        ready = true;
                    }
                }
            }

            if (!ready)
            {
                signals.Add(Task.Delay(left, time, cancellationToken));
                await Task.WhenAny(signals).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    // Appends whole batches past the next offset, up to this partition's and the response's room; returns the bytes added.
    private int Read(ConnectionState connection, int room, bool firstInResponse)
    {
        try
        {
            return ReadCore(connection, room, firstInResponse);
        }
        catch (TopicDeletedException)
        {
            Gone(connection);
            return 0;
        }
    }

    private int ReadCore(ConnectionState connection, int room, bool firstInResponse)
    {
        var reader = connection.Reader(Partition!, _next);
        var added = 0;
        while (reader.TryRead(out var records))
        {
            var bytes = records.Bytes;
            var limit = Math.Min(MaxBytes - _length, room - added);
            var length = 0;
            var next = _next;
            while (RecordBatchHeader.TryRead(bytes[length..], out var header) && length + header.Size <= bytes.Length)
            {
                if (length + header.Size > limit && !(length == 0 && added == 0 && _length == 0 && firstInResponse))
                {
                    break;
                }

                length += header.Size;
                next = header.BaseOffset + header.LastOffsetDelta + 1;
                if (length >= limit)
                {
                    break;
                }
            }

            if (length == 0)
            {
                break;
            }

            Append(connection, bytes[..length]);
            (added, _next) = (added + length, next);
            if (length < bytes.Length || added >= room || _length >= MaxBytes)
            {
                // Stopped inside what the reader returned: the next fetch reads on from the next offset.
                break;
            }
        }

        return added;
    }

    private LogReader? ReaderOf(ConnectionState connection)
    {
        try
        {
            return connection.Reader(Partition!, _next);
        }
        catch (TopicDeletedException)
        {
            Gone(connection);
            return null;
        }
    }

    // The topic was deleted while the fetch ran: the partition is answered as one the server does not have, as Kafka
    // answers a fetch from a deleted topic, with nothing read from it.
    private void Gone(ConnectionState connection)
    {
        Error = ErrorCode.UnknownTopicOrPartition;
        _length = 0;
        connection.Forget(Partition!);
    }

    private void Append(ConnectionState connection, ReadOnlySpan<byte> batches)
    {
        if (_buffer is null || _length + batches.Length > _buffer.Length)
        {
            var larger = connection.RentFetchBuffer(Math.Max(_length + batches.Length, Math.Min(MaxBytes, 2 * (_length + batches.Length))));
            _buffer?.AsSpan(0, _length).CopyTo(larger);
            _buffer = larger;
        }

        batches.CopyTo(_buffer.AsSpan(_length));
        _length += batches.Length;
    }
}
