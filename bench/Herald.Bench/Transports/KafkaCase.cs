using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Bench.Serve;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Kafka;

namespace Herald.Bench.Transports;

/// <summary>
/// Herald.Kafka with its default client settings, against a <c>herald serve</c> the bench starts in process (loopback, a free
/// port, a fresh data directory under <c>--dir</c>, deleted after the row) or against the brokers of <c>--kafka</c>. Each run
/// has a topic and a consumer group of its own, deleted after it.
/// </summary>
internal sealed class KafkaCase
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AssignmentTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AssignmentPoll = TimeSpan.FromMilliseconds(20);

    private readonly string _directory;
    private readonly string? _brokers;
    private ServeScope? _server;

    private KafkaCase(string directory, string? brokers)
    {
        _directory = directory;
        _brokers = brokers;
    }

    private string Bootstrap => _brokers ?? _server?.Bootstrap ?? throw new InvalidOperationException("herald serve has not been started.");

    /// <param name="directory">Where the in-process server keeps its data directory.</param>
    /// <param name="brokers">The brokers of <c>--kafka</c>; null to start <c>herald serve</c> in process.</param>
    public static TransportCase Create(string directory, string? brokers)
    {
        var kafka = new KafkaCase(directory, brokers);
        return new TransportCase(
            "kafka", brokers is null ? "Kafka (herald serve)" : $"Kafka ({brokers})",
            brokers is null
                ? "acks=all, idempotent: fsynced to herald serve's log (FlushPolicy.Always)"
                : "acks=all, idempotent: in every in-sync replica (the brokers' flush settings decide the fsync)",
            kafka.ProbeAsync,
            kafka.Configure,
            kafka.CleanUpAsync)
        {
            Group = Group,
            ReadyAsync = kafka.AssignedAsync,
            OpenAsync = kafka.OpenAsync,
        };
    }

    private static string Topic(string name) => $"{name}.{BenchEvent.EventName}";

    private static string Group(string name) => name;

    /// <summary>Starts <c>herald serve</c> when no brokers were given. Its groups rebalance at once: the delay Kafka gives a new
    /// group for more members to join (3 s by default) would only lengthen each run's start, which no figure includes.</summary>
    private async Task<IAsyncDisposable?> OpenAsync()
    {
        if (_brokers is not null)
        {
            return null;
        }

        _server = await ServeScope.StartAsync(_directory, TransportCases.Partitions, groupInitialRebalanceDelay: TimeSpan.Zero);
        Console.Error.WriteLine($"Kafka (herald serve): in process on {_server.Bootstrap}");
        return _server;
    }

    private void Configure(HeraldBuilder herald, string name)
    {
        herald.AddEvent<BenchEvent>(e => e.Topic = Topic(name));
        herald.UseKafka(o =>
        {
            o.BootstrapServers = Bootstrap;
            o.ClientId = "herald-bench";
            o.Partitions = TransportCases.Partitions;
        });
    }

    private async Task<string?> ProbeAsync()
    {
        using var admin = Admin();
        try
        {
            // GetMetadata blocks until the brokers answer or the timeout passes.
            await Task.Run(() => admin.GetMetadata(ConnectTimeout));
            return null;
        }
        catch (KafkaException e)
        {
            return $"no Kafka broker answers on {Bootstrap} within {ConnectTimeout.TotalSeconds:0} s ({e.Error.Reason})";
        }
    }

    /// <summary>Waits until the run's group is stable with every partition of its topic assigned: the Kafka consumer that
    /// starting the host created joins in the background, and events published before it has its partitions would wait.</summary>
    private async Task AssignedAsync(string name)
    {
        using var admin = Admin();
        var topic = Topic(name);
        var waited = Stopwatch.StartNew();
        var seen = "not described yet";
        while (waited.Elapsed < AssignmentTimeout)
        {
            try
            {
                var described = await admin.DescribeConsumerGroupsAsync([Group(name)], new DescribeConsumerGroupsOptions { RequestTimeout = ConnectTimeout });
                var group = described.ConsumerGroupDescriptions[0];
                var assigned = group.Members.SelectMany(m => m.Assignment?.TopicPartitions ?? []).Count(tp => tp.Topic == topic);
                if (group.State == ConsumerGroupState.Stable && assigned == TransportCases.Partitions)
                {
                    return;
                }

                seen = $"{group.State}, {assigned} of {TransportCases.Partitions} partitions assigned";
            }
            catch (DescribeConsumerGroupsException e)
            {
                seen = e.Results.ConsumerGroupDescriptions.Count > 0 ? e.Results.ConsumerGroupDescriptions[0].Error.Reason : e.Message;
            }

            await Task.Delay(AssignmentPoll);
        }

        throw new TimeoutException($"group '{Group(name)}' was not given the {TransportCases.Partitions} partitions of '{topic}' within {AssignmentTimeout.TotalSeconds:0} s ({seen})");
    }

    /// <summary>Deletes the run's topic, its group's redrive topic, then the group.</summary>
    /// <remarks>herald serve keeps Herald's own topics (<c>__herald.*</c>, the redrive topic): those go with the row's server
    /// and its data directory.</remarks>
    private async Task CleanUpAsync(string name)
    {
        using var admin = Admin();
        var topic = Topic(name);
        string[] topics = [topic, DeadLetterQueues.RedriveTopic(topic, Group(name))];
        try
        {
            await admin.DeleteTopicsAsync(topics, new DeleteTopicsOptions { RequestTimeout = ConnectTimeout });
        }
        catch (DeleteTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.UnknownTopicOrPart
            || (r.Error.Code == ErrorCode.TopicDeletionDisabled && r.Topic != topic)))
        {
            // A topic the run never created (the redrive topic when the group never listened) is already gone, and
            // herald serve keeps Herald's own topics.
        }

        try
        {
            await admin.DeleteGroupsAsync([Group(name)], new DeleteGroupsOptions { RequestTimeout = ConnectTimeout });
        }
        catch (DeleteGroupsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.GroupIdNotFound))
        {
            // Gone already: Kafka may drop an emptied group with the offsets of its deleted topics.
        }
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = Bootstrap,
        ClientId = "herald-bench-admin",
        SocketConnectionSetupTimeoutMs = (int)ConnectTimeout.TotalMilliseconds,
    }).Build();
}
