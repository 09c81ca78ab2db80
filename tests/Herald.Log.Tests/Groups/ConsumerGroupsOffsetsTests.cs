using Herald.Log.Groups;

namespace Herald.Log.Tests.Groups;

public sealed class ConsumerGroupsOffsetsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-groups-offsets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CommitOffsets_IsOnDiskWhenItReturns_AndMayGoBackwards()
    {
        using var log = EmbeddedLog.Open(_directory);
        log.GetOrCreateTopic("orders");
        log.GetOrCreateTopic("payments");
        log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 0)] = 10, [("orders", 3)] = 7, [("payments", 1)] = 2 });
        log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 0)] = 4 });

        var onDisk = CommittedOffsetFile.Parse("", File.ReadAllBytes(Path.Combine(_directory, CommittedOffsetStore.DirectoryName, "kafka-app" + CommittedOffsetFile.Extension)));

        Assert.Equal(4, onDisk[("orders", 0)]);
        Assert.Equal(7, onDisk[("orders", 3)]);
        Assert.Equal(2, onDisk[("payments", 1)]);
        Assert.Equal(3, log.Groups.GetCommittedOffsets("kafka-app").Count);
        Assert.Contains("kafka-app", log.Groups.Names);
    }

    [Fact]
    public void AskingAboutGroupsThatDoNotExist_LeavesNoGroupBehind_AndACommitLaterIsSeen()
    {
        using var log = EmbeddedLog.Open(_directory);
        log.GetOrCreateTopic("orders");
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(-1, log.Groups.GetCommittedOffset($"nobody-{i}", "orders", 0));
            Assert.Empty(log.Groups.GetCommittedOffsets($"nobody-{i}"));
        }

        Assert.Empty(log.Groups.Names);
        log.Groups.CommitOffsets("nobody-7", new Dictionary<(string, int), long> { [("orders", 0)] = 3 });
        Assert.Equal(3, log.Groups.GetCommittedOffset("nobody-7", "orders", 0));
        Assert.Equal(["nobody-7"], log.Groups.Names);
    }

    [Fact]
    public void CommitOffsets_AMemberOfTheGroupInThisProcess_RereadsFromTheNewOffset()
    {
        using var log = EmbeddedLog.Open(_directory);
        using var member = log.Groups.Join("orders", "shared");
        var changed = member.AssignmentChanged;

        log.Groups.CommitOffsets("shared", new Dictionary<(string, int), long> { [("orders", 5)] = 42 });

        Assert.True(changed.IsCompleted);
        Assert.Equal(42, member.Assignment.Partitions.Single(p => p.Partition.Id == 5).StartOffset);
        Assert.Equal(42, log.Groups.GetCommittedOffset("shared", "orders", 5));
    }

    [Fact]
    public void CommitOffsets_OnATopicOrPartitionTheLogLacks_IsRefusedWhole()
    {
        using var log = EmbeddedLog.Open(_directory);
        log.GetOrCreateTopic("orders");

        Assert.Throws<ArgumentException>(() => log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 0)] = 1, [("missing", 0)] = 1 }));
        Assert.Throws<ArgumentException>(() => log.Groups.CommitOffsets("kafka-app", new Dictionary<(string, int), long> { [("orders", 8)] = 1 }));

        Assert.Empty(log.Groups.GetCommittedOffsets("kafka-app"));
    }

    [Fact]
    public void GetCommittedOffsets_OfAGroupWithoutAny_IsEmptyAndDoesNotListTheGroup()
    {
        using var log = EmbeddedLog.Open(_directory);

        Assert.Empty(log.Groups.GetCommittedOffsets("never-committed"));
        Assert.DoesNotContain("never-committed", log.Groups.Names);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("payments", true)]
    [InlineData("Mixed.Case_group-1", true)]
    public void IsValidName_TellsWhetherTheGroupCanNameItsOffsetsFile(string group, bool valid) =>
        Assert.Equal(valid, ConsumerGroups.IsValidName(group));

    [Fact]
    public void IsValidName_TooLongOnceEscaped_IsFalse()
    {
        Assert.True(ConsumerGroups.IsValidName(new string('a', 240)));
        Assert.False(ConsumerGroups.IsValidName(new string('A', 81)));
    }
}
