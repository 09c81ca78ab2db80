using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

public sealed class ConsumerGroupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-groups-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Join_TwoMembers_SplitThePartitionsAndAMemberLeavingGivesItsPartitionsBack()
    {
        using var log = EmbeddedLog.Open(_directory);
        using var first = log.Groups.Join("orders", "billing");
        Assert.Equal(8, first.Assignment.Partitions.Count);

        var second = log.Groups.Join("orders", "billing");
        var changed = first.AssignmentChanged;
        Assert.Equal(4, first.Assignment.Partitions.Count);
        Assert.Equal(4, second.Assignment.Partitions.Count);
        Assert.Empty(first.Assignment.Partitions.Select(p => p.Partition.Id).Intersect(second.Assignment.Partitions.Select(p => p.Partition.Id)));

        second.Dispose();
        Assert.True(changed.IsCompleted);
        Assert.Equal(8, first.Assignment.Partitions.Count);
        Assert.True(second.HasLeft);
    }

    [Fact]
    public async Task Commit_SurvivesReopenAndANewMemberStartsAtTheCommittedOffset()
    {
        using (var log = EmbeddedLog.Open(_directory))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[2];
            for (var i = 0; i < 10; i++)
            {
                await partition.AppendAsync(Record("k", $"v{i}"), TestContext.Current.CancellationToken);
            }

            using var member = log.Groups.Join("orders", "billing");
            member.Commit(2, 6);
            Assert.Equal(6, log.Groups.GetCommittedOffset("billing", "orders", 2));
            Assert.Equal(4, log.Groups.GetLag("billing", "orders"));
            Assert.Equal(10, log.Groups.GetLag("shipping", "orders"));
        }

        using var reopened = EmbeddedLog.Open(_directory);
        using var again = reopened.Groups.Join("orders", "billing");
        Assert.Equal(6, again.Assignment.Partitions.Single(p => p.Partition.Id == 2).StartOffset);
        Assert.Equal(0, again.Assignment.Partitions.Single(p => p.Partition.Id == 3).StartOffset);
        Assert.Contains("billing", reopened.Groups.Names);
    }

    [Fact]
    public void Commit_OnAPartitionThatMovedAway_IsIgnored()
    {
        using var log = EmbeddedLog.Open(_directory);
        using var first = log.Groups.Join("orders", "billing");
        using var second = log.Groups.Join("orders", "billing");
        var moved = second.Assignment.Partitions[0].Partition.Id;

        first.Commit(moved, 5);

        Assert.Equal(-1, log.Groups.GetCommittedOffset("billing", "orders", moved));
    }
}
