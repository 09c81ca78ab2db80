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

    [Fact]
    public async Task BalancedConsumer_CommitsWhatItRead_AndTheNextConsumerOfItsGroupResumesAfterIt()
    {
        var (topic, group) = (ServerFixture.Unique("kcat-group"), ServerFixture.Unique("kcat-group"));
        const string Format = "%k|%s|%h|%p|%o\\n";
        await fixture.KcatWithInputAsync(Lines(0, 20), "-P", "-t", topic, "-K:", "-H", "source=kcat");

        var first = Records(await fixture.KcatAsync("-G", group, "-o", "beginning", "-e", "-f", Format, topic));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"key-{i % 5}|value-{i}|source=kcat"), first.OrderBy(r => Value(r[1])).Select(r => $"{r[0]}|{r[1]}|{r[2]}"));
        var partitions = fixture.Server.Log.GetOrCreateTopic(topic).Partitions;
        foreach (var partition in partitions.Where(p => p.EndOffset > 0))
        {
            // Committed when kcat closed, and on disk before the commit was answered.
            Assert.Equal(partition.EndOffset, fixture.Server.Log.Groups.GetCommittedOffset(group, topic, partition.Id));
        }

        await fixture.KcatWithInputAsync(Lines(20, 10), "-P", "-t", topic, "-K:", "-H", "source=kcat");
        // Without -o, which kcat applies to every partition it is assigned: the committed offsets, and the earliest
        // where there are none (partitions the first consumer found empty).
        var second = Records(await fixture.KcatAsync("-G", group, "-X", "auto.offset.reset=earliest", "-e", "-f", Format, topic));

        Assert.Equal(Enumerable.Range(20, 10).Select(i => $"value-{i}"), second.Select(r => r[1]).OrderBy(Value));
        var firstEnds = first.GroupBy(r => r[3]).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(second, r => Assert.True(long.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture) >= firstEnds.GetValueOrDefault(r[3]), $"partition {r[3]} offset {r[4]} was read by the first consumer"));
    }

    private static string Lines(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => $"key-{i % 5}:value-{i}\n"));

    private static List<string[]> Records(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|'))];

    private static int Value(string value) => int.Parse(value["value-".Length..], System.Globalization.CultureInfo.InvariantCulture);
}
