using Herald.Log.Groups;
using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Groups;

/// <summary>ConsumerGroups.Delete: a group without members in this process loses its committed offsets, on disk and in
/// memory, for good; one with members keeps everything.</summary>
public sealed class ConsumerGroupsDeletionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-groups-delete-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string OffsetsFile(string group) => Path.Combine(_directory, CommittedOffsetStore.DirectoryName, group + CommittedOffsetFile.Extension);

    [Fact]
    public void Delete_AGroupWithOffsets_RemovesThemForGood_AndLeavesOtherGroups()
    {
        using (var log = EmbeddedLog.Open(_directory))
        {
            log.GetOrCreateTopic("orders");
            log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 0)] = 10, [("orders", 3)] = 7 });
            log.Groups.CommitOffsets("billing", new Dictionary<(string, int), long> { [("orders", 0)] = 4 });

            Assert.True(log.Groups.Delete("kafka-app"));

            Assert.False(File.Exists(OffsetsFile("kafka-app")));
            Assert.Empty(log.Groups.GetCommittedOffsets("kafka-app"));
            Assert.Equal(-1, log.Groups.GetCommittedOffset("kafka-app", "orders", 0));
            Assert.Equal(["billing"], log.Groups.Names);
        }

        using var reopened = EmbeddedLog.Open(_directory);
        Assert.Equal(["billing"], reopened.Groups.Names);
        Assert.Empty(reopened.Groups.GetCommittedOffsets("kafka-app"));
        Assert.Equal(4, reopened.Groups.GetCommittedOffset("billing", "orders", 0));
    }

    [Fact]
    public void Delete_RefusedWhileAMemberIsOpen_SucceedsOnceItLeft_AndItsCommitsAreGone()
    {
        using (var log = EmbeddedLog.Open(_directory))
        {
            using (var member = log.Groups.Join("orders", "billing"))
            {
                member.Commit(2, 9);
                member.Commit(1, 3);
                Assert.Throws<InvalidOperationException>(() => log.Groups.Delete("billing"));
                Assert.Equal(9, log.Groups.GetCommittedOffset("billing", "orders", 2));
            }

            // Leaving flushed the member's commits to the group's file.
            Assert.True(File.Exists(OffsetsFile("billing")));
            Assert.True(log.Groups.Delete("billing"));
            log.Groups.Flush();

            Assert.False(File.Exists(OffsetsFile("billing")));
            Assert.Empty(log.Groups.Names);
        }

        using var reopened = EmbeddedLog.Open(_directory);
        Assert.Empty(reopened.Groups.Names);
        Assert.Equal(-1, reopened.Groups.GetCommittedOffset("billing", "orders", 2));
    }

    [Fact]
    public void Delete_AGroupWithAMemberInThisProcess_ThrowsAndKeepsItsOffsets()
    {
        using var log = EmbeddedLog.Open(_directory);
        using var member = log.Groups.Join("orders", "billing");
        log.Groups.CommitOffsets("billing", new Dictionary<(string, int), long> { [("orders", 1)] = 6 });

        var refused = Assert.Throws<InvalidOperationException>(() => log.Groups.Delete("billing"));

        Assert.Contains("has members", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(OffsetsFile("billing")));
        Assert.Equal(6, log.Groups.GetCommittedOffset("billing", "orders", 1));
        Assert.False(member.HasLeft);
        Assert.Equal(6, member.Assignment.Partitions.Single(p => p.Partition.Id == 1).StartOffset);
    }

    [Fact]
    public async Task Delete_ThenJoined_StartsAtTheOldestRecord_AndACommitMakesTheGroupAgain()
    {
        using var log = EmbeddedLog.Open(_directory);
        var orders = log.GetOrCreateTopic("orders");
        for (var i = 0; i < 3; i++)
        {
            await orders.Partitions[0].AppendAsync(Record(null, $"v{i}"), TestContext.Current.CancellationToken);
        }

        log.Groups.CommitOffsets("billing", new Dictionary<(string, int), long> { [("orders", 0)] = 3 });
        Assert.True(log.Groups.Delete("billing"));

        using (var member = log.Groups.Join("orders", "billing"))
        {
            Assert.Equal(0, member.Assignment.Partitions.Single(p => p.Partition.Id == 0).StartOffset);
            member.Commit(0, 2);
        }

        Assert.Equal(2, log.Groups.GetCommittedOffset("billing", "orders", 0));
        Assert.True(File.Exists(OffsetsFile("billing")));
    }

    [Fact]
    public void Delete_AGroupTheLogDoesNotKnow_ReturnsFalse_AndAnInvalidNameThrows()
    {
        using var log = EmbeddedLog.Open(_directory);

        Assert.False(log.Groups.Delete("never-committed"));
        Assert.Throws<ArgumentException>(() => log.Groups.Delete(""));
        Assert.Empty(log.Groups.Names);
    }
}
