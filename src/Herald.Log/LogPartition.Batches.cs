using Herald.Log.Storage;

namespace Herald.Log;

// Appending record batches as Kafka clients produced them, for a Kafka-protocol broker over the log.
public sealed partial class LogPartition
{
    /// <summary>
    /// Appends one or more RecordBatch v2 exactly as a Kafka client produced them (compressed or not), assigning
    /// offsets, and returns the base offset of the first once the append is acknowledged under the topic's flush policy.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every batch is checked before anything is appended: whole batches with no trailing bytes, magic 2, CRC32C, a
    /// <c>batchLength</c> within <see cref="TopicOptions.MaxBatchBytes"/>, at least one record, <c>lastOffsetDelta</c> =
    /// records - 1, CreateTime, no control batch (transaction markers), no transactional batch without a producer id,
    /// and every record parsed (decompressed first, up to
    /// <see cref="TopicOptions.MaxUncompressedBatchBytes"/>) with offset deltas 0, 1, 2... and the greatest timestamp
    /// equal to the batch's <c>maxTimestamp</c>, which the time index uses.
    /// </para>
    /// <para>
    /// The batches then take consecutive offsets and are stored byte for byte as given, except <c>baseOffset</c> and
    /// <c>partitionLeaderEpoch</c> (set to 0), which lie outside the CRC: compression, timestamps and producer id, epoch and
    /// sequence stay the client's. Without a producer id, epoch and sequence mean nothing (Kafka's clients write -1, kafkajs
    /// writes 0): they are stored as -1, with the CRC computed again. The append joins the same commit group as <see cref="AppendAsync(LogRecord, CancellationToken)"/>
    /// and is acknowledged the same way. The bytes are copied before this method returns. Cancelling stops the wait, not
    /// the append.
    /// </para>
    /// <para>
    /// Offsets follow the order of calls that find room in the pending buffer; a call made while more than
    /// <see cref="TopicOptions.MaxPendingBytes"/> wait for the disk takes its offsets when room frees, as
    /// <see cref="AppendAsync(LogRecord, CancellationToken)"/> does, so a caller that needs one call's batches before the
    /// next's awaits each call first.
    /// </para>
    /// </remarks>
    /// <param name="batches">The batches, back to back, as in a Kafka produce request's record set.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement.</param>
    /// <exception cref="InvalidRecordBatchException">A batch is invalid; nothing was appended.</exception>
    /// <exception cref="LogFailedException">The partition failed to write or fsync.</exception>
    /// <exception cref="TopicDeletedException">The topic was deleted before the append was written.</exception>
    /// <exception cref="ObjectDisposedException">The log is closed.</exception>
    public ValueTask<long> AppendBatchesAsync(ReadOnlyMemory<byte> batches, CancellationToken cancellationToken = default)
    {
        // Checked outside the lock: decompressing to check records must not stall other appenders.
        var found = ProducedBatches.Validate(batches.Span, _options.MaxBatchBytes, _options.MaxUncompressedBatchBytes);
        CommitGroup group;
        long first;
        lock (_lock)
        {
            ThrowIfUnavailable();
            if (_pending.Length >= _options.MaxPendingBytes)
            {
                WakeWriter();
                return AppendBatchesWhenRoomAsync(batches.ToArray(), found, cancellationToken);
            }

            first = AddProduced(batches.Span, found);
            group = _group;
            WakeWriter();
        }

        return group.WaitAsync(first, cancellationToken);
    }

    // Under _lock: the batches take consecutive offsets, in order, in the pending commit group.
    private long AddProduced(ReadOnlySpan<byte> batches, List<(int Start, int Size, int Count)> found)
    {
        var first = _nextOffset;
        foreach (var (start, size, count) in found)
        {
            _pending.AddProduced(batches.Slice(start, size), _nextOffset, count);
            _nextOffset += count;
        }

        return first;
    }

    private async ValueTask<long> AppendBatchesWhenRoomAsync(byte[] batches, List<(int Start, int Size, int Count)> found, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task flushed;
            CommitGroup? group = null;
            var first = -1L;
            lock (_lock)
            {
                ThrowIfUnavailable();
                if (_pending.Length < _options.MaxPendingBytes)
                {
                    first = AddProduced(batches, found);
                    group = _group;
                }

                flushed = _group.Completion;
                WakeWriter();
            }

            if (group is not null)
            {
                return await group.WaitAsync(first, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await flushed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (LogFailedException)
            {
                // ThrowIfUnavailable reports the failure with this partition's name on the next round.
            }
        }
    }
}
