using Herald.Log;
using Herald.Log.Storage;

namespace Herald.Server.Internal;

/// <summary>The idempotent producers' sequences on one partition, as a Kafka broker keeps them: a batch retried after a
/// lost response is answered with the offset it got the first time instead of being appended again, and a batch whose
/// sequence leaves a gap is refused.</summary>
/// <remarks>Rebuilt from the partition's batch headers the first time an idempotent batch arrives after the server
/// started, so a retry that crosses a restart of the server is recognised too. Callers serialise on the partition.</remarks>
internal sealed class ProducerStates
{
    /// <summary>How many of a producer's latest batches are remembered, as Kafka (a producer has at most five in flight).</summary>
    private const int Remembered = 5;

    private readonly Dictionary<long, Producer> _producers = [];

    public enum Verdict
    {
        Append,
        Duplicate,
        OutOfOrderSequence,
        StaleEpoch,
    }

    /// <summary>Reads every batch header of <paramref name="partition"/> into a new state.</summary>
    public static ProducerStates Load(LogPartition partition)
    {
        var states = new ProducerStates();
        using var reader = partition.OpenReader(partition.StartOffset);
        var headers = new List<RecordBatchHeader>();
        while (reader.TryRead(out var records))
        {
            headers.Clear();
            BatchHeaders.TryReadAll(records.Bytes, headers);
            foreach (var header in headers)
            {
                if (header.IsIdempotent())
                {
                    states.Appended(header, Task.FromResult(header.BaseOffset));
                }
            }
        }

        return states;
    }

    /// <summary>Decides what to do with an idempotent batch; <paramref name="firstOffset"/> is the append it was when it is a duplicate.</summary>
    public Verdict Check(RecordBatchHeader batch, out Task<long>? firstOffset)
    {
        firstOffset = null;
        if (!_producers.TryGetValue(batch.ProducerId, out var producer))
        {
            // Unknown here: a new producer (or one whose batches retention removed) starts its sequence at zero.
            return batch.BaseSequence == 0 ? Verdict.Append : Verdict.OutOfOrderSequence;
        }

        if (batch.ProducerEpoch < producer.Epoch)
        {
            return Verdict.StaleEpoch;
        }

        if (batch.ProducerEpoch > producer.Epoch)
        {
            return batch.BaseSequence == 0 ? Verdict.Append : Verdict.OutOfOrderSequence;
        }

        foreach (var (baseSequence, lastSequence, offset) in producer.Latest)
        {
            if (baseSequence == batch.BaseSequence && lastSequence == batch.LastSequence())
            {
                firstOffset = offset;
                return Verdict.Duplicate;
            }
        }

        var expected = producer.LastSequence == int.MaxValue ? 0 : producer.LastSequence + 1;
        return batch.BaseSequence == expected ? Verdict.Append : Verdict.OutOfOrderSequence;
    }

    /// <summary>Records a batch whose append (completing with its first offset) has started.</summary>
    public void Appended(RecordBatchHeader batch, Task<long> firstOffset)
    {
        if (!_producers.TryGetValue(batch.ProducerId, out var producer) || batch.ProducerEpoch > producer.Epoch)
        {
            producer = new Producer(batch.ProducerEpoch);
            _producers[batch.ProducerId] = producer;
        }

        producer.LastSequence = batch.LastSequence();
        producer.Latest.Enqueue((batch.BaseSequence, batch.LastSequence(), firstOffset));
        if (producer.Latest.Count > Remembered)
        {
            producer.Latest.Dequeue();
        }
    }

    private sealed class Producer(short epoch)
    {
        public short Epoch { get; } = epoch;

        public int LastSequence { get; set; } = -1;

        public Queue<(int BaseSequence, int LastSequence, Task<long> FirstOffset)> Latest { get; } = new();
    }
}
