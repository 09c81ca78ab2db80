using System.Text;
using Confluent.Kafka;
using Herald.Transports;

namespace Herald.Kafka.Internal;

/// <summary>A key-value map kept as a Kafka topic, as Herald's state topics are on the embedded log: every change is a
/// record keyed by its UTF-8 key (a null value removes the key), and a reader replays the topic from its start.</summary>
/// <remarks>
/// Several processes write the same topic, so a reader catches up to the topic's end (its high watermarks, asked at the
/// start of the catch-up) before it answers: what any process wrote before the read began is seen. Records are handed
/// to the caller with their partition and offset, so that it can ignore an older record of a key it has already
/// applied from its own write. A key always goes to the same partition (murmur2, as every Herald record).
/// </remarks>
internal sealed class KafkaStateTopic(
    string name,
    IDictionary<string, string> configs,
    KafkaClients clients,
    Func<KafkaTopics> topics,
    Func<IProducer<byte[]?, byte[]?>> producer) : IDisposable
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConsumer<byte[]?, byte[]?>? _reader;
    private long[] _positions = [];

    public string Name => name;

    /// <summary>Reads every record from where the last catch-up stopped up to the topic's current end, in offset order per
    /// partition, calling <paramref name="apply"/> for each (key, value or null, position).</summary>
    /// <exception cref="TimeoutException">The end was not reached within a minute.</exception>
    /// <remarks>A topic that does not exist reads as empty and is not created: it is created with its first change.</remarks>
    public async Task CatchUpAsync(Action<string, byte[]?, StatePosition> apply, CancellationToken cancellationToken)
    {
        if (await topics().FindAsync(name, cancellationToken).ConfigureAwait(false) is not { } count)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => Read(count, apply, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Appends the changes (a null value removes its key) and returns each one's position once every in-sync
    /// replica has it. Changes to one key are appended in the order given.</summary>
    public async Task<StatePosition[]> WriteAsync(IReadOnlyList<KeyValuePair<string, byte[]?>> changes, CancellationToken cancellationToken)
    {
        var count = await topics().EnsureAsync(name, 1, configs, cancellationToken).ConfigureAwait(false);
        var client = producer();
        // Produced in order to each partition by one idempotent producer: they are stored in that order.
        var sends = changes.Select(c =>
        {
            var key = Encoding.UTF8.GetBytes(c.Key);
            var partition = KeyPartitioner.Partition(c.Key, count);
            return client.ProduceAsync(new TopicPartition(name, partition), new Message<byte[]?, byte[]?> { Key = key, Value = c.Value }, cancellationToken);
        }).ToList();
        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        return [.. results.Select(r => new StatePosition(r.Partition.Value, r.Offset.Value))];
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _gate.Dispose();
    }

    private void Read(int count, Action<string, byte[]?, StatePosition> apply, CancellationToken cancellationToken)
    {
        if (_reader is null || _positions.Length != count)
        {
            _reader?.Dispose();
            _reader = clients.BuildReader("state");
            _positions = new long[count];
            _reader.Assign(Enumerable.Range(0, count).Select(p => new TopicPartitionOffset(name, p, Offset.Beginning)));
        }

        var ends = new long[count];
        for (var p = 0; p < count; p++)
        {
            var watermarks = _reader.QueryWatermarkOffsets(new TopicPartition(name, p), QueryTimeout);
            ends[p] = watermarks.High.Value;
            _positions[p] = Math.Max(_positions[p], watermarks.Low.Value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CatchUpTimeout);
        while (Behind(ends))
        {
            if (timeout.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"Reading Kafka topic '{name}' to its end took longer than {CatchUpTimeout.TotalSeconds:0} s.");
            }

            if (_reader.Consume(TimeSpan.FromMilliseconds(100)) is not { } record)
            {
                continue;
            }

            var partition = record.Partition.Value;
            if (record.IsPartitionEOF)
            {
                _positions[partition] = Math.Max(_positions[partition], record.Offset.Value);
                continue;
            }

            _positions[partition] = record.Offset.Value + 1;
            if (record.Message.Key is { } key)
            {
                apply(Encoding.UTF8.GetString(key), record.Message.Value, new StatePosition(partition, record.Offset.Value));
            }
        }
    }

    private bool Behind(long[] ends)
    {
        for (var p = 0; p < ends.Length; p++)
        {
            if (_positions[p] < ends[p])
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Where a record of a state topic is: its partition and offset.</summary>
internal readonly record struct StatePosition(int Partition, long Offset);
