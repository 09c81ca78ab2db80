using Herald.Log.Groups;
using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

/// <summary>EmbeddedLog.DeleteTopicAsync: the topic, its files and its committed offsets go; other topics stay; appends,
/// readers and group members of the deleted topic end with a clear exception, never a hang.</summary>
public sealed class TopicDeletionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-delete-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static EmbeddedLogOptions Options(int partitions = 3, bool readOnly = false)
    {
        var options = new EmbeddedLogOptions { ReadOnly = readOnly };
        options.DefaultTopic.Partitions = partitions;
        return options;
    }

    [Fact]
    public async Task DeleteTopicAsync_RemovesTheTopicItsDirectoriesAndItsCatalogFile()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            var doomed = log.GetOrCreateTopic("doomed");
            await AppendAsync(doomed, 10);

            await log.DeleteTopicAsync("doomed", Token);

            Assert.False(log.TryGetTopic("doomed", out _));
            Assert.DoesNotContain(log.Topics, t => t.Name == "doomed");
            Assert.Empty(Directory.GetDirectories(_directory, "doomed-*"));
            Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "__topics")));
        }

        using var reopened = EmbeddedLog.Open(_directory, Options());
        Assert.Empty(reopened.Topics);
        Assert.Empty(reopened.SkippedEntries);
    }

    [Fact]
    public async Task DeleteTopicAsync_ThenCreatedAgain_StartsAtOffsetZeroWithoutRecordsOrCommittedOffsets()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            await AppendAsync(log.GetOrCreateTopic("orders"), 10);
            await AppendAsync(log.GetOrCreateTopic("payments"), 2);
            log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 0)] = 7, [("payments", 1)] = 1 });
            using (var member = log.Groups.Join("orders", "billing"))
            {
                member.Commit(2, 5);
            }

            await log.DeleteTopicAsync("orders", Token);
            var again = log.GetOrCreateTopic("orders");

            Assert.All(again.Partitions, p => Assert.Equal((0L, 0L), (p.StartOffset, p.EndOffset)));
            Assert.Empty(ReadAll(again.Partitions[0]));
            Assert.Equal(-1, log.Groups.GetCommittedOffset("kafka-app", "orders", 0));
            Assert.Equal(-1, log.Groups.GetCommittedOffset("billing", "orders", 2));
            var remaining = Assert.Single(log.Groups.GetCommittedOffsets("kafka-app"));
            Assert.Equal((("payments", 1), 1L), (remaining.Key, remaining.Value));
            await again.Partitions[0].AppendAsync(Record("k", "new"), Token);
        }

        var offsets = CommittedOffsetFile.Parse("", File.ReadAllBytes(Path.Combine(_directory, CommittedOffsetStore.DirectoryName, "kafka-app" + CommittedOffsetFile.Extension)));
        Assert.Equal(("payments", 1), Assert.Single(offsets.Keys));
        Assert.Empty(CommittedOffsetFile.Parse("", File.ReadAllBytes(Path.Combine(_directory, CommittedOffsetStore.DirectoryName, "billing" + CommittedOffsetFile.Extension))));
        using var reopened = EmbeddedLog.Open(_directory, Options());
        Assert.Equal(["new"], ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Select(r => r.Value));
        Assert.Equal(1, reopened.Groups.GetLag("kafka-app", "orders"));
    }

    [Fact]
    public async Task DeleteTopicAsync_LeavesTopicsWithSimilarNamesAndTheirOffsetsIntact()
    {
        string[] kept = ["doomed-1", "doomed.x", "doomedx", "kept"];
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            await AppendAsync(log.GetOrCreateTopic("doomed"), 6);
            foreach (var name in kept)
            {
                await AppendAsync(log.GetOrCreateTopic(name), 6);
                log.Groups.CommitOffsets("app", new Dictionary<(string, int), long> { [(name, 1)] = 1 });
            }

            log.Groups.CommitOffsets("app", new Dictionary<(string, int), long> { [("doomed", 1)] = 1 });
            await log.DeleteTopicAsync("doomed", Token);
        }

        using var reopened = EmbeddedLog.Open(_directory, Options());
        Assert.Equal(kept, reopened.Topics.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Empty(reopened.SkippedEntries);
        foreach (var name in kept)
        {
            Assert.Equal(["0", "3"], ReadAll(reopened.GetOrCreateTopic(name).Partitions[0]).Select(r => r.Value));
            Assert.Equal(1, reopened.Groups.GetCommittedOffset("app", name, 1));
        }

        Assert.Equal(kept.Length, reopened.Groups.GetCommittedOffsets("app").Count);
    }

    [Fact]
    public async Task DeleteTopicAsync_TopicTheLogLacks_IsRefused()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            log.GetOrCreateTopic("orders");
            var missing = await Assert.ThrowsAsync<ArgumentException>(() => log.DeleteTopicAsync("missing", Token));
            Assert.Contains("'missing'", missing.Message, StringComparison.Ordinal);
            await log.DeleteTopicAsync("orders", Token);
            await Assert.ThrowsAsync<ArgumentException>(() => log.DeleteTopicAsync("orders", Token));
        }

        using var readOnly = EmbeddedLog.Open(_directory, Options(readOnly: true));
        await Assert.ThrowsAsync<InvalidOperationException>(() => readOnly.DeleteTopicAsync("orders", Token));
    }

    [Fact]
    public async Task DeleteTopicAsync_WhileItRuns_TheNameIsRefusedAndOtherTopicsServe()
    {
        using var log = EmbeddedLog.Open(_directory, Options());
        await AppendAsync(log.GetOrCreateTopic("doomed"), 3);
        var other = log.GetOrCreateTopic("other").Partitions[0];
        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        log.DeletionStep = step =>
        {
            if (step == "offsets removed")
            {
                paused.Set();
                resume.Wait(Token);
            }
        };

        var deletion = log.DeleteTopicAsync("doomed", Token);
        Assert.True(paused.Wait(TimeSpan.FromSeconds(10), Token));

        Assert.False(log.TryGetTopic("doomed", out _));
        var refused = Assert.Throws<TopicDeletedException>(() => log.GetOrCreateTopic("doomed"));
        Assert.Equal("doomed", refused.Topic);
        await Assert.ThrowsAsync<ArgumentException>(() => log.DeleteTopicAsync("doomed", Token));
        Assert.Equal(0, await other.AppendAsync(Record("k", "meanwhile"), Token));
        Assert.Equal(["meanwhile"], ReadAll(other).Select(r => r.Value));
        Assert.False(deletion.IsCompleted);

        resume.Set();
        await deletion;
        Assert.Equal(0, log.GetOrCreateTopic("doomed").Partitions[0].EndOffset);
    }

    [Fact]
    public async Task DeleteTopicAsync_AppendsInFlightAndLater_AreAcknowledgedBeforeOrFailWithTopicDeletedException()
    {
        using var log = EmbeddedLog.Open(_directory, Options(partitions: 2));
        var doomed = log.GetOrCreateTopic("doomed");
        var other = log.GetOrCreateTopic("other").Partitions[0];
        using var stop = new CancellationTokenSource();
        var appenders = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var partition = doomed.Partitions[i % 2];
            var acknowledged = 0;
            while (true)
            {
                try
                {
                    await partition.AppendAsync(Record("k", $"{i}"), CancellationToken.None);
                    acknowledged++;
                }
                catch (TopicDeletedException deleted)
                {
                    Assert.Equal("doomed", deleted.Topic);
                    Assert.Contains("'doomed'", deleted.Message, StringComparison.Ordinal);
                    return acknowledged;
                }
            }
        }, Token)).ToList();
        var steady = Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                await other.AppendAsync(Record("k", "steady"), CancellationToken.None);
                count++;
            }

            return count;
        }, Token);
        while (doomed.Partitions.Sum(p => p.EndOffset) < 200)
        {
            await Task.Delay(1, Token);
        }

        await log.DeleteTopicAsync("doomed", Token);
        var acknowledged = await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromSeconds(30), Token);
        await stop.CancelAsync();
        var steadyCount = await steady.WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.True(acknowledged.Sum() >= 200);
        await Assert.ThrowsAsync<TopicDeletedException>(async () => await doomed.Partitions[0].AppendAsync(Record("k", "late"), Token));
        Assert.Equal(steadyCount, ReadAll(other).Count);
    }

    [Fact]
    public async Task DeleteTopicAsync_ReadersEndOrFailWithTopicDeletedException()
    {
        using var log = EmbeddedLog.Open(_directory, Options(partitions: 1));
        var partition = log.GetOrCreateTopic("doomed").Partitions[0];
        await AppendAsync(log.GetOrCreateTopic("doomed"), 5);
        using var tailing = partition.OpenReader(partition.EndOffset);
        var waiting = tailing.WaitToReadAsync(Token).AsTask();
        using var behind = partition.OpenReader(0);
        var signal = behind.GetDataSignal();
        Assert.Null(signal);

        await log.DeleteTopicAsync("doomed", Token);

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.False(await tailing.WaitToReadAsync(Token));
        Assert.False(await behind.GetDataSignal()!);
        var refused = Assert.Throws<TopicDeletedException>(() => behind.TryRead(out _));
        Assert.Equal("doomed", refused.Topic);
        Assert.Throws<TopicDeletedException>(() => partition.OpenReader(0));
        Assert.Throws<TopicDeletedException>(() => partition.FindOffset(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task DeleteTopicAsync_WhileReadersRead_EveryReaderEndsWithTopicDeletedException()
    {
        using var log = EmbeddedLog.Open(_directory, Options(partitions: 2));
        var doomed = log.GetOrCreateTopic("doomed");
        var value = new string('v', 1024);
        foreach (var partition in doomed.Partitions)
        {
            await partition.AppendAsync([.. Enumerable.Range(0, 500).Select(_ => Record("k", value))], Token);
        }

        // Each reader reads its partition (more than its buffer holds) from the start, again and again, until the deletion.
        using var reading = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            using var reader = doomed.Partitions[i % 2].OpenReader(0);
            reading.Signal();
            try
            {
                while (true)
                {
                    while (reader.TryRead(out var records))
                    {
                        foreach (var record in records)
                        {
                            Assert.Equal(1024, record.Value.Length);
                        }
                    }

                    reader.Seek(0);
                    if (!await reader.WaitToReadAsync(Token))
                    {
                        return "ended";
                    }
                }
            }
            catch (TopicDeletedException)
            {
                return "deleted";
            }
        }, Token)).ToList();
        Assert.True(reading.Wait(TimeSpan.FromSeconds(10), Token));

        await log.DeleteTopicAsync("doomed", Token);

        Assert.All(await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30), Token), outcome => Assert.Contains(outcome, new[] { "ended", "deleted" }));
    }

    [Fact]
    public async Task DeleteTopicAsync_GroupMembersLoseThePartitionsAndTheirCommitsAreIgnored()
    {
        using var log = EmbeddedLog.Open(_directory, Options());
        log.GetOrCreateTopic("doomed");
        using var member = log.Groups.Join("doomed", "billing");
        var changed = member.AssignmentChanged;

        await log.DeleteTopicAsync("doomed", Token);
        member.Commit(0, 3);

        Assert.True(changed.IsCompleted);
        Assert.Empty(member.Assignment.Partitions);
        Assert.Empty(log.Groups.GetCommittedOffsets("billing"));
        Assert.Throws<ArgumentException>(() => log.Groups.CommitOffsets("billing", new Dictionary<(string, int), long> { [("doomed", 0)] = 1 }));
        using var next = log.Groups.Join("doomed", "billing");
        Assert.All(next.Assignment.Partitions, p => Assert.Equal(0, p.StartOffset));
    }

    [Fact]
    public async Task DeleteTopicAsync_TopicWhoseCatalogFileIsDamaged_IsDeleted()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            await AppendAsync(log.GetOrCreateTopic("broken"), 3);
            await AppendAsync(log.GetOrCreateTopic("fine"), 3);
        }

        await File.WriteAllTextAsync(Path.Combine(_directory, "__topics", "broken.json"), "{not json", Token);
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            Assert.Equal("broken", Assert.Single(log.Damaged).Topic);

            await log.DeleteTopicAsync("broken", Token);

            Assert.Empty(log.Damaged);
            Assert.Empty(Directory.GetDirectories(_directory, "broken-*"));
        }

        using var reopened = EmbeddedLog.Open(_directory, Options());
        Assert.Equal(["fine"], reopened.Topics.Select(t => t.Name));
        Assert.Empty(reopened.Damaged);
        Assert.Empty(reopened.SkippedEntries);
    }

    // Appends value i to partition i % count: each partition's first values are 0, count, 2 * count...
    private static async Task AppendAsync(LogTopic topic, int records)
    {
        for (var i = 0; i < records; i++)
        {
            await topic.Partitions[i % topic.Partitions.Count].AppendAsync(Record("k", $"{i}"), Token);
        }
    }
}
