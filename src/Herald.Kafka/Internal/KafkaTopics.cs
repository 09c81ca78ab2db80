using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Herald.Kafka.Internal;

/// <summary>Knows each topic's partition count, creating a missing topic first when the options allow.</summary>
/// <remarks>Metadata is asked through a consumer's handle, which never lets the broker create a topic as a side effect
/// (a producer's metadata request may, with the broker's default partition count). A failed look-up is not cached.</remarks>
internal sealed class KafkaTopics(IAdminClient admin, KafkaTransportOptions options) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<int>>> _pending = new(StringComparer.Ordinal);

    public IAdminClient Admin => admin;

    /// <summary>Returns the partition count of a topic already looked up.</summary>
    public bool TryGetCount(string topic, out int count) => _counts.TryGetValue(topic, out count);

    /// <summary>Looks up <paramref name="topic"/>, creating it with <paramref name="partitions"/> and <paramref name="configs"/>
    /// when it is missing and <see cref="KafkaTransportOptions.CreateTopics"/> is set; returns its partition count.</summary>
    /// <exception cref="InvalidOperationException">The topic does not exist and may not be created, or the broker refused to create it.</exception>
    public async Task<int> EnsureAsync(string topic, int partitions, IDictionary<string, string> configs, CancellationToken cancellationToken)
    {
        if (_counts.TryGetValue(topic, out var known))
        {
            return known;
        }

        KafkaNames.Validate(topic);
        var lazy = _pending.GetOrAdd(topic, t => new(() => Task.Run(() => LookUpAsync(t, partitions, configs))));
        try
        {
            var count = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            _counts[topic] = count;
            return count;
        }
        catch when (lazy.Value.IsFaulted)
        {
            // A failed look-up (broker away, topic missing) is tried again by the next call.
            _pending.TryRemove(new(topic, lazy));
            throw;
        }
    }

    /// <summary>Returns the partition count of <paramref name="topic"/>, or <see langword="null"/> when it does not exist;
    /// never creates it (a reader must leave the broker as it found it).</summary>
    public async Task<int?> FindAsync(string topic, CancellationToken cancellationToken)
    {
        if (_counts.TryGetValue(topic, out var known))
        {
            return known;
        }

        KafkaNames.Validate(topic);
        var count = await Task.Run(() => Count(topic), cancellationToken).ConfigureAwait(false);
        if (count is { } found)
        {
            _counts[topic] = found;
        }

        return count;
    }

    public void Dispose() => admin.Dispose();

    private async Task<int> LookUpAsync(string topic, int partitions, IDictionary<string, string> configs)
    {
        if (Count(topic) is { } count)
        {
            return count;
        }

        if (!options.CreateTopics)
        {
            throw new InvalidOperationException(
                $"Kafka topic '{topic}' does not exist at {options.BootstrapServers} and KafkaTransportOptions.CreateTopics is false: create it, or let Herald create it.");
        }

        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = options.ReplicationFactor, Configs = new Dictionary<string, string>(configs) }],
                new CreateTopicsOptions { RequestTimeout = Timeout, OperationTimeout = Timeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another process created it first: its count is the topic's.
        }
        catch (CreateTopicsException e)
        {
            var error = e.Results[0].Error;
            throw new InvalidOperationException(
                $"Kafka refused to create topic '{topic}' ({partitions} partitions, replication factor {options.ReplicationFactor}{Describe(configs)}): {error.Code}: {error.Reason}", e);
        }

        // A new topic's metadata can take a moment to reach every broker.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (Count(topic) is { } created)
            {
                return created;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Kafka topic '{topic}' was created but its metadata did not show within 5 seconds.");
    }

    private int? Count(string topic)
    {
        var metadata = admin.GetMetadata(topic, Timeout);
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        return found is { Error.Code: ErrorCode.NoError, Partitions.Count: > 0 } ? found.Partitions.Count : null;
    }

    private static string Describe(IDictionary<string, string> configs) =>
        configs.Count == 0 ? "" : ", configs " + string.Join(", ", configs.Select(c => $"{c.Key}={c.Value}"));
}
