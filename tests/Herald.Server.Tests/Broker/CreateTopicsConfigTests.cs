using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Log;
using KafkaErrorCode = Confluent.Kafka.ErrorCode;

namespace Herald.Server.Tests.Broker;

/// <summary>CreateTopics with configs: a topic's options are the server's; a config that asks for them is accepted, any other refused with the value the topic would get.</summary>
public sealed class CreateTopicsConfigTests(ServerFixture fixture)
{
    [Fact]
    public void HeraldStateTopics_AreCompactedAndKeptUntilRemoved_OnAServedDirectory()
    {
        foreach (var name in StateTopic.HeraldTopics)
        {
            var options = fixture.Server.Log.Options.For(name);
            Assert.Equal(CleanupPolicy.Compact, options.CleanupPolicy);
            Assert.Null(options.RetentionTime);
            Assert.Null(options.RetentionBytes);
        }
    }

    [Fact]
    public async Task ConfigsTheServerAppliesAnyway_Accepted_OthersRefusedNamingTheValueTheTopicGets()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();
        var plain = ServerFixture.Unique("configs");
        var asked = ServerFixture.Unique("configs-refused");
        var unknown = ServerFixture.Unique("configs-unknown");

        await admin.CreateTopicsAsync([new TopicSpecification { Name = plain, NumPartitions = 2, Configs = new() { ["cleanup.policy"] = "delete", ["retention.ms"] = "604800000" } }]);
        var refused = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = asked, NumPartitions = 1, Configs = new() { ["cleanup.policy"] = "compact" } },
            new TopicSpecification { Name = unknown, NumPartitions = 1, Configs = new() { ["min.insync.replicas"] = "2" } },
        ]));

        Assert.True(fixture.Server.Log.TryGetTopic(plain, out var created));
        Assert.Equal(2, created.Partitions.Count);
        var results = refused.Results.ToDictionary(r => r.Topic, r => r.Error);
        Assert.Equal(KafkaErrorCode.InvalidConfig, results[asked].Code);
        Assert.Contains("cleanup.policy=compact differs from the server's option for the topic (delete)", results[asked].Reason, StringComparison.Ordinal);
        Assert.Equal(KafkaErrorCode.InvalidConfig, results[unknown].Code);
        Assert.Contains("min.insync.replicas is not supported", results[unknown].Reason, StringComparison.Ordinal);
        Assert.False(fixture.Server.Log.TryGetTopic(asked, out _));
    }
}
