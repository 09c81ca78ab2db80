using Herald.Log.Groups;
using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

/// <summary>A deletion stopped after each of its durable steps, as a crash would stop it: a read-only open changes no
/// byte and shows the whole topic or none of it; the next writable open finishes the deletion.</summary>
public sealed class TopicDeletionCrashTests : IDisposable
{
    private const string Doomed = "doomed";
    private const int Partitions = 3;
    private readonly string _root = Directory.CreateTempSubdirectory("herald-delete-crash-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeleteTopicAsync_StoppedAfterEachStep_NextOpenFindsTheWholeTopicOrFinishesItsDeletion()
    {
        var steps = new List<string>();
        var whole = await SeedAsync("whole");
        using (var log = EmbeddedLog.Open(whole))
        {
            log.DeletionStep = steps.Add;
            await log.DeleteTopicAsync(Doomed, Token);
        }

        Assert.Equal(
            ["partitions closed", "topic marked deleted", "offsets removed", .. Enumerable.Range(0, Partitions).Select(p => $"partition directory {Doomed}-{p} deleted"), "data directory durable", "marker deleted"],
            steps);

        for (var stop = 0; stop < steps.Count; stop++)
        {
            var directory = await SeedAsync($"stopped-after-{stop}");
            using (var log = EmbeddedLog.Open(directory))
            {
                var step = 0;
                var last = stop;
                log.DeletionStep = name =>
                {
                    if (step++ == last)
                    {
                        throw new SimulatedCrashException(name);
                    }
                };
                await Assert.ThrowsAsync<SimulatedCrashException>(() => log.DeleteTopicAsync(Doomed, Token));
            }

            var committed = stop >= 1;
            var before = Snapshot(directory);
            using (var readOnly = EmbeddedLog.Open(directory, new EmbeddedLogOptions { ReadOnly = true }))
            {
                Assert.Equal(committed ? new[] { "kept" } : new[] { Doomed, "kept" }, readOnly.Topics.Select(t => t.Name).Order(StringComparer.Ordinal));
                Assert.Empty(readOnly.SkippedEntries);
                Assert.Empty(readOnly.Damaged);
                Assert.Equal(committed ? 1 : 2, readOnly.Groups.GetCommittedOffsets("app").Count);
                if (!committed)
                {
                    Assert.Equal(["0", "3"], ReadAll(readOnly.GetOrCreateTopic(Doomed).Partitions[0]).Select(r => r.Value));
                }
            }

            Assert.Equal(before, Snapshot(directory));

            using (var log = EmbeddedLog.Open(directory))
            {
                Assert.Empty(log.SkippedEntries);
                Assert.Equal(["0", "1"], ReadAll(log.GetOrCreateTopic("kept").Partitions[0]).Select(r => r.Value));
                Assert.Equal(2, log.Groups.GetCommittedOffset("app", "kept", 0));
                if (committed)
                {
                    Assert.False(log.TryGetTopic(Doomed, out _), $"stopped after '{steps[stop]}'");
                    Assert.Empty(Directory.GetDirectories(directory, Doomed + "-*"));
                    Assert.Equal(["kept.json"], Directory.GetFiles(Path.Combine(directory, "__topics")).Select(f => Path.GetFileName(f)));
                    Assert.Equal(-1, log.Groups.GetCommittedOffset("app", Doomed, 1));
                    Assert.Equal(("kept", 0), Assert.Single(OffsetsOnDisk(directory).Keys));
                    Assert.All(log.GetOrCreateTopic(Doomed).Partitions, p => Assert.Equal(0, p.EndOffset));
                }
                else
                {
                    Assert.True(log.TryGetTopic(Doomed, out var topic), $"stopped after '{steps[stop]}'");
                    Assert.Equal(["0", "3"], ReadAll(topic.Partitions[0]).Select(r => r.Value));
                    Assert.Equal(1, log.Groups.GetCommittedOffset("app", Doomed, 1));
                }
            }
        }
    }

    // A data directory with a three-partition topic to delete and a topic to keep, both with committed offsets.
    private async Task<string> SeedAsync(string name)
    {
        var directory = Path.Combine(_root, name);
        var options = new EmbeddedLogOptions();
        options.DefaultTopic.Partitions = Partitions;
        options.Topics["kept"] = new TopicOptions { Partitions = 1 };
        using var log = EmbeddedLog.Open(directory, options);
        var doomed = log.GetOrCreateTopic(Doomed);
        for (var i = 0; i < 6; i++)
        {
            await doomed.Partitions[i % Partitions].AppendAsync(Record("k", $"{i}"), Token);
        }

        var kept = log.GetOrCreateTopic("kept").Partitions[0];
        await kept.AppendAsync(Record("k", "0"), Token);
        await kept.AppendAsync(Record("k", "1"), Token);
        log.Groups.CommitOffsets("app", new Dictionary<(string, int), long> { [(Doomed, 1)] = 1, [("kept", 0)] = 2 });
        return directory;
    }

    private static System.Collections.Frozen.FrozenDictionary<(string Topic, int Partition), long> OffsetsOnDisk(string directory) =>
        CommittedOffsetFile.Parse("", File.ReadAllBytes(Path.Combine(directory, CommittedOffsetStore.DirectoryName, "app" + CommittedOffsetFile.Extension)));

    // Every entry of the data directory with its size and last write: what a read-only open must leave alone.
    private static List<string> Snapshot(string directory) =>
    [
        .. new DirectoryInfo(directory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(e => $"{Path.GetRelativePath(directory, e.FullName)} {(e as FileInfo)?.Length} {e.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal),
    ];

    private sealed class SimulatedCrashException(string step) : Exception($"stopped after '{step}'");
}
