using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
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
}
