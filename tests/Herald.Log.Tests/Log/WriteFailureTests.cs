using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

public sealed class WriteFailureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-failure-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WriteFails_PendingAndLaterAppendsFailForGoodAndReopenKeepsWhatWasAcknowledged()
    {
        var failures = new List<(LogPartition Partition, Exception Error)>();
        using (var log = EmbeddedLog.Open(_directory))
        {
            log.PartitionFailed += (partition, error) => failures.Add((partition, error));
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            for (var i = 0; i < 5; i++)
            {
                await partition.AppendAsync(Record("k", $"v{i}"), TestContext.Current.CancellationToken);
            }

            // The segment's file handles going away stands in for a disk that stops taking writes or fsyncs.
            partition.Segments[^1].Dispose();

            var failed = await Assert.ThrowsAsync<LogFailedException>(async () => await partition.AppendAsync(Record("k", "lost")));
            Assert.Contains("orders-0", failed.Message, StringComparison.Ordinal);
            var later = await Assert.ThrowsAsync<LogFailedException>(async () => await partition.AppendAsync(Record("k", "refused")));
            Assert.Contains("failed earlier", later.Message, StringComparison.Ordinal);
            Assert.Same(partition, Assert.Single(failures).Partition);
            Assert.NotNull(partition.Failure);
            Assert.Equal(5, partition.EndOffset);

            // Other partitions are unaffected.
            Assert.Equal(0, await log.GetOrCreateTopic("orders").Partitions[1].AppendAsync(Record("k", "fine"), TestContext.Current.CancellationToken));
        }

        using var reopened = EmbeddedLog.Open(_directory);
        Assert.Equal(["v0", "v1", "v2", "v3", "v4"], ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Select(s => s.Value));
    }
}
