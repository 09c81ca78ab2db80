using System.Collections.Concurrent;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>Appends produced record batches to partitions, stored as they came, with the idempotent producers' checks.</summary>
internal sealed class PartitionAppender
{
    private readonly ConcurrentDictionary<LogPartition, Gate> _gates = new();

    /// <summary>Drops the idempotent producers' states of a partition whose topic was deleted.</summary>
    public void Forget(LogPartition partition) => _gates.TryRemove(partition, out _);

    /// <summary>The outcome of one partition's produce: an error, or the offset of the first record appended.</summary>
    public readonly record struct Result(ErrorCode Error, long BaseOffset, string? Message = null, long Records = 0);

    /// <summary>Appends <paramref name="records"/> (whole RecordBatch v2) to <paramref name="partition"/> and completes once
    /// they are durable (per the topic's flush policy): a retried idempotent batch is answered with its first offset.</summary>
    public async Task<Result> AppendAsync(LogPartition partition, ReadOnlyMemory<byte> records, CancellationToken cancellationToken)
    {
        var headers = new List<RecordBatchHeader>(1);
        if (records.IsEmpty || !BatchHeaders.TryReadAll(records.Span, headers))
        {
            return new(ErrorCode.CorruptMessage, -1, "the records are not whole RecordBatch v2 batches");
        }

        Task<long> append;
        if (!headers.Exists(h => h.IsIdempotent()))
        {
            append = Start(partition, records, cancellationToken, out var refused);
            if (refused is not null)
            {
                return refused.Value;
            }
        }
        else
        {
            if (headers.Count > 1 && headers.Exists(h => h.ProducerId != headers[0].ProducerId))
            {
                return new(ErrorCode.InvalidRecord, -1, "an idempotent produce mixes batches of several producers");
            }

            var gate = _gates.GetOrAdd(partition, static _ => new Gate());
            await gate.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Loaded under the gate, on the first idempotent batch since the server started.
                try
                {
                    gate.States ??= await Task.Run(() => ProducerStates.Load(partition), cancellationToken).ConfigureAwait(false);
                }
                catch (TopicDeletedException e)
                {
                    return Deleted(partition, e);
                }

                var first = headers[0];
                switch (gate.States.Check(first, out var original))
                {
                    case ProducerStates.Verdict.Duplicate:
                        // Appended before: counted then.
                        return await SettleAsync(partition, original!, 0).ConfigureAwait(false);
                    case ProducerStates.Verdict.OutOfOrderSequence:
                        return new(ErrorCode.OutOfOrderSequenceNumber, -1, $"producer {first.ProducerId}: sequence {first.BaseSequence} does not follow the last one appended");
                    case ProducerStates.Verdict.StaleEpoch:
                        return new(ErrorCode.InvalidProducerEpoch, -1, $"producer {first.ProducerId}: epoch {first.ProducerEpoch} is older than the current one");
                }

                append = Start(partition, records, cancellationToken, out var refused);
                if (refused is not null)
                {
                    return refused.Value;
                }

                foreach (var header in headers)
                {
                    gate.States.Appended(header, append);
                }
            }
            finally
            {
                gate.Lock.Release();
            }
        }

        return await SettleAsync(partition, append, headers.Sum(h => (long)h.RecordCount)).ConfigureAwait(false);
    }

    // The answer once the append is durable, or why it is not.
    private async Task<Result> SettleAsync(LogPartition partition, Task<long> append, long records)
    {
        try
        {
            return new(ErrorCode.None, await append.ConfigureAwait(false), Records: records);
        }
        catch (LogFailedException e)
        {
            return new(ErrorCode.KafkaStorageError, -1, e.Message);
        }
        catch (TopicDeletedException e)
        {
            return Deleted(partition, e);
        }
        catch (ObjectDisposedException)
        {
            return new(ErrorCode.NotLeaderOrFollower, -1, "the server is stopping");
        }
    }

    // The topic was deleted while the produce ran: a gate made for it since the deletion goes too.
    private Result Deleted(LogPartition partition, TopicDeletedException e)
    {
        Forget(partition);
        return new(ErrorCode.UnknownTopicOrPartition, -1, e.Message);
    }

    // Starts the append (offsets are assigned in the order appends start); a batch the log refuses is answered at once.
    private Task<long> Start(LogPartition partition, ReadOnlyMemory<byte> records, CancellationToken cancellationToken, out Result? refused)
    {
        refused = null;
        try
        {
            return partition.AppendBatchesAsync(records, cancellationToken).AsTask();
        }
        catch (InvalidRecordBatchException e)
        {
            var error = e.Reason switch
            {
                InvalidRecordBatchReason.Corrupt => ErrorCode.CorruptMessage,
                InvalidRecordBatchReason.TooLarge => ErrorCode.MessageTooLarge,
                InvalidRecordBatchReason.UnsupportedCompression => ErrorCode.UnsupportedCompressionType,
                _ => ErrorCode.InvalidRecord,
            };
            refused = new(error, -1, e.Message);
            return Task.FromResult(-1L);
        }
        catch (LogFailedException e)
        {
            refused = new(ErrorCode.KafkaStorageError, -1, e.Message);
            return Task.FromResult(-1L);
        }
        catch (TopicDeletedException e)
        {
            refused = Deleted(partition, e);
            return Task.FromResult(-1L);
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public ProducerStates? States { get; set; }
    }
}
