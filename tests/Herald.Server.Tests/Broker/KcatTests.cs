namespace Herald.Server.Tests.Broker;

/// <summary>kcat (librdkafka), a Kafka client that knows nothing of Herald, against herald serve.</summary>
public sealed class KcatTests(ServerFixture fixture)
{
    [Fact]
    public async Task List_ShowsTheBrokerAndEveryTopicWithItsPartitions()
    {
        var topic = ServerFixture.Unique("listed");
        fixture.Server.Log.GetOrCreateTopic(topic);

        var metadata = await fixture.KcatAsync("-L", "-t", topic);

        Assert.Contains($"broker 0 at {fixture.Bootstrap}", metadata, StringComparison.Ordinal);
        Assert.Contains($"topic \"{topic}\" with 8 partitions", metadata, StringComparison.Ordinal);
        for (var partition = 0; partition < 8; partition++)
        {
            Assert.Contains($"partition {partition}, leader 0", metadata, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Produce_KeyedWithHeaders_ThenReadFromTheBeginning_GivesEveryRecordInOrder()
    {
        var topic = ServerFixture.Unique("kcat");
        var lines = Enumerable.Range(0, 50).Select(i => $"key-{i % 5}:value-{i}").ToList();

        await fixture.KcatWithInputAsync(string.Join('\n', lines) + "\n", "-P", "-t", topic, "-K:", "-H", "source=kcat", "-H", "n=1");
        var read = await fixture.KcatAsync("-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k|%s|%h|%p|%o\\n");

        var records = read.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToList();
        Assert.Equal(50, records.Count);
        Assert.All(records, r => Assert.Equal("source=kcat,n=1", r[2]));
        Assert.Equal(lines.Select(l => l.Replace(':', '|')).Order(), records.Select(r => $"{r[0]}|{r[1]}").Order());
        // Each key went to one partition, in the order produced, at consecutive offsets.
        foreach (var key in records.GroupBy(r => r[0]))
        {
            Assert.Single(key.Select(r => r[3]).Distinct());
            Assert.Equal(key.Select(r => int.Parse(r[1]["value-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Order(), key.Select(r => int.Parse(r[1]["value-".Length..], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
