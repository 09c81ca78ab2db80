using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Conformance.Transports;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

/// <summary>What the Kafka transport does with topics it did not create, and the errors it gives for what it cannot do.</summary>
public sealed class KafkaTransportTests(KafkaServer server)
{
    [Theory]
    [InlineData("Partitions")]
    [InlineData("ReplicationFactor")]
    [InlineData("CommitInterval")]
    [InlineData("RevocationTimeout")]
    [InlineData("DeadLetterTopic")]
    [InlineData("BootstrapServers")]
    public void UseKafka_OptionOutOfRange_FailsAtConfigurationNamingIt(string option)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddHerald(h => h.UseKafka(o =>
        {
            _ = option switch
            {
                "Partitions" => o.Partitions = 0,
                "ReplicationFactor" => o.ReplicationFactor = 0,
                "CommitInterval" => (o.CommitInterval = TimeSpan.Zero).Milliseconds,
                "RevocationTimeout" => (o.RevocationTimeout = TimeSpan.FromMinutes(2)).Milliseconds,
                "DeadLetterTopic" => (o.DeadLetterTopic = "dead letters").Length,
                _ => (o.BootstrapServers = " ").Length,
            };
        })));

        Assert.Contains(option, error.Message + error.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAndListen_MissingTopicWithCreateTopicsOff_FailNamingTheTopicAndTheOption()
    {
        var options = server.NewOptions();
        options.CreateTopics = false;
        await using var transport = new KafkaTransport(options);
        var topic = Unique("missing");

        var send = await Assert.ThrowsAsync<InvalidOperationException>(async () => await transport.SendAsync(topic, Envelope("k", 0), TestContext.Current.CancellationToken));
        var listen = await Assert.ThrowsAsync<InvalidOperationException>(async () => await transport.ListenAsync(topic, "billing", TestContext.Current.CancellationToken));

        Assert.Contains($"'{topic}' does not exist", send.Message, StringComparison.Ordinal);
        Assert.Contains("CreateTopics is false", listen.Message, StringComparison.Ordinal);
        Assert.False(server.Server.Log.TryGetTopic(topic, out _), "Looking the topic up created it.");
    }

    [Fact]
    public async Task SendAsync_TopicNameKafkaCannotHold_ArgumentExceptionWithKafkasRule()
    {
        await using var transport = new KafkaTransport(server.NewOptions());

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await transport.SendAsync(new string('t', 250), Envelope("k", 0), TestContext.Current.CancellationToken));

        Assert.Contains("Kafka takes 1 to 249", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultDeadLetterTopic_WithItsDefaultConfigs_IsCreatedCompactedOnHeraldServe()
    {
        var options = server.NewOptions();
        options.DeadLetterTopic = new KafkaTransportOptions().DeadLetterTopic;
        options.DeadLetterTopicConfigs["cleanup.policy"] = "compact";
        await using var transport = new KafkaTransport(options);
        var letter = new DeadLetter { Group = "billing", Topic = "orders", Envelope = Envelope("k", 0), Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, "Handler", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) };

        await transport.DeadLetterStore.SaveAsync(letter, TestContext.Current.CancellationToken);

        Assert.True(server.Server.Log.TryGetTopic("__herald.dead-letters", out _));
        Assert.Equal(Herald.Log.CleanupPolicy.Compact, server.Server.Log.Options.For("__herald.dead-letters").CleanupPolicy);
    }

    [Fact]
    public async Task DeadLetterTopicConfigs_RefusedByTheBroker_FailWithTheBrokersReason()
    {
        var options = server.NewOptions();
        options.DeadLetterTopicConfigs["cleanup.policy"] = "compact";
        await using var transport = new KafkaTransport(options);

        // Reading creates nothing: the topic is created with the first letter.
        Assert.Empty(await transport.DeadLetterStore.GetAllAsync(TestContext.Current.CancellationToken));
        Assert.False(server.Server.Log.TryGetTopic(options.DeadLetterTopic, out _));
        var letter = new DeadLetter { Group = "billing", Topic = "orders", Envelope = Envelope("k", 0), Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, "Handler", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await transport.DeadLetterStore.SaveAsync(letter, TestContext.Current.CancellationToken));

        Assert.Contains($"Kafka refused to create topic '{options.DeadLetterTopic}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cleanup.policy=compact", error.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidConfig", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TopicCreatedElsewhereWithThreePartitions_KeyGoesToMurmur2OfThatCount()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("existing");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 }]);
        }

        await using var transport = new KafkaTransport(server.NewOptions()); // configured for 4 partitions
        await using var listener = await transport.ListenAsync(topic, Unique("billing"), token);
        var keys = Enumerable.Range(0, 12).Select(i => $"customer-{i}").ToList();
        foreach (var key in keys)
        {
            await transport.SendAsync(topic, Envelope(key, 0), token);
        }

        var received = await ReceiveAsync(listener, keys.Count);

        Assert.All(received, d => Assert.Equal(KeyPartitioner.Partition(d.Envelope.PartitionKey!, 3), d.Partition));
        Assert.Equal(3, server.Server.Log.GetOrCreateTopic(topic).Partitions.Count);
    }

    [Fact]
    public async Task Transport_StatesItsMessagingSystemAndKeepsNoSequencePositions()
    {
        await using var transport = new KafkaTransport(server.NewOptions());
        var contract = Assert.IsAssignableFrom<ITransport>(transport);

        Assert.Equal("kafka", contract.MessagingSystem);
        Assert.Null(contract.SequencePositions);
        Assert.NotNull(contract.DeadLetterStore);
    }

    [Fact]
    public async Task BrokerDown_ClientsRetrying_LogEachKindOfLineOncePerWindowNotOnEveryAttempt()
    {
        // Nothing listens on port 1: librdkafka fails every connect at once and tries again, many times a second.
        using var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var transport = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = "127.0.0.1:1" }, logger: factory.CreateLogger<KafkaTransport>());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(6));

        await Assert.ThrowsAnyAsync<Exception>(async () => await transport.GetLagAsync("orders", "billing", timeout.Token));

        var lines = logs.Entries.Select(e => e.Message).ToList();
        var connects = lines.Where(m => m.Contains("Connect to", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(connects);
        // One line per kind and client within the 30-second window: the failed connect of the bootstrap broker.
        Assert.True(connects.Count <= 2, $"{connects.Count} lines about failed connects in 6 s:\n{string.Join('\n', connects)}");
        Assert.True(lines.Count <= 10, $"{lines.Count} lines in 6 s:\n{string.Join('\n', lines)}");
    }

    [Fact]
    public async Task UseKafka_HostStarts_ProducerGetsItsIdBeforeAnyPublish()
    {
        // librdkafka's idempotence debug lines show when the producer asks for and gets its id; nothing is published here.
        using var logs = new AllLevelsLogger();
        var options = server.NewOptions();
        await using var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .AddHerald(h => h.UseKafka(o =>
            {
                o.BootstrapServers = options.BootstrapServers;
                o.Settings["debug"] = "eos";
            }))
            .BuildServiceProvider();
        foreach (var service in services.GetServices<IHostedService>())
        {
            await service.StartAsync(TestContext.Current.CancellationToken);
        }

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (!logs.Lines.Any(l => l.Contains("#producer-", StringComparison.Ordinal) && l.Contains("Acquired PID", StringComparison.Ordinal)))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The producer got no id within 20 s of the host's start:\n{string.Join('\n', logs.Lines.TakeLast(20))}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed class AllLevelsLogger : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
