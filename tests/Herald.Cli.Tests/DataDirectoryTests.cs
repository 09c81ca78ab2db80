using Herald.DeadLetters;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Cli.Tests;

/// <summary>Every command that only reads a real data directory leaves each of its bytes as it was, damaged or not, and says what it found.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public DataDirectoryTests() => _cli.Open = _cli.OpenEmbedded;

    public enum Damage
    {
        TornTail,
        FlippedLastBatch,
        FlippedAcknowledgedBatch,
    }

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(Damage.TornTail)]
    [InlineData(Damage.FlippedLastBatch)]
    [InlineData(Damage.FlippedAcknowledgedBatch)]
    public async Task ReadingCommands_DamagedDataDirectory_WarnWithFileAndOffsetAndChangeNoByte(Damage damage)
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var (partition, file, position) = Inflict(damage);
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);
        var tornTail = damage != Damage.FlippedAcknowledgedBatch;

        string[][] commands =
        [
            ["dlq", "list"],
            ["dlq", "show", "evt-01"],
            ["dlq", "redrive", "--all", "--dry-run"],
            ["dlq", "purge", "--all"],
            ["log"],
            ["log", "repair", "--partition", partition, "--dry-run"],
        ];
        foreach (var command in commands)
        {
            var what = string.Join(' ', command);
            var answered = command is ["dlq", "purge", ..];
            _cli.IsInputRedirected = !answered;
            if (answered)
            {
                _cli.Answers.Enqueue(false);
            }

            var code = await _cli.RunAsync(command);

            var expected = command is ["log"] && !tornTail ? ExitCodes.DamagedData : ExitCodes.Success;
            Assert.True(code == expected, $"{what}: exit code {code}, expected {expected}; stderr: {_cli.Error}");
            DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, what);
            var printed = _cli.Output + _cli.Error;
            Assert.True(printed.Contains($"'{file}' at byte {position}", StringComparison.Ordinal), $"{what} did not name '{file}' at byte {position}: {printed}");
            if (command[0] == "dlq")
            {
                Assert.Contains($"herald: warning: {(tornTail ? "torn tail in" : "partition orders-0 is damaged")}", _cli.Error, StringComparison.Ordinal);
            }
        }

        // The purge's question says that a yes would open the log to write, and so cut the torn tail.
        Assert.Equal(tornTail, Assert.Single(_cli.Questions).Contains("also cuts the 1 torn tail(s)", StringComparison.Ordinal));

        // The torn letter is reported missing rather than cut away: the last one was never acknowledged.
        _cli.IsInputRedirected = true;
        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "list", "--json"));
        Assert.Equal(tornTail ? 9 : 10, _cli.Json().GetArrayLength());
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "dlq list --json");
    }

    [Fact]
    public async Task List_DamagedDeadLetterTopic_ExitsNineWithTheRepairCommandAndChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var segment = DataDirectoryFiles.LastSegment(_cli.DataDirectory, SeededDataDirectory.DeadLetterPartition);
        DataDirectoryFiles.FlipBit(segment, DataDirectoryFiles.Batches(segment)[0].Start + 70);
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.DamagedData, code);
        Assert.Empty(_cli.Output);
        Assert.Contains($"herald log repair --data {_cli.DataDirectory} --partition {SeededDataDirectory.DeadLetterPartition}", _cli.Error, StringComparison.Ordinal);
        Assert.Contains($"'{segment}' at byte 0", _cli.Error, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "dlq list");
    }

    [Theory]
    [InlineData("payments", ExitCodes.Success)]
    [InlineData(EmbeddedLogTransport.DeadLetterTopic, ExitCodes.DamagedData)]
    public async Task List_UnreadableTopicFile_WarnsOrRefusesAndChangesNothing(string topic, int expected)
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var file = Path.Combine(_cli.DataDirectory, "__topics", topic + ".json");
        await File.WriteAllTextAsync(file, "{\"name\":", TestContext.Current.CancellationToken);
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(expected, code);
        Assert.Contains($"herald: warning: topic {topic} is damaged and serves nothing: '{file}'", _cli.Error, StringComparison.Ordinal);
        if (expected == ExitCodes.Success)
        {
            Assert.Equal(10, _cli.Json().GetArrayLength());
        }
        else
        {
            Assert.Empty(_cli.Output);
        }

        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "dlq list");
        Assert.Equal(ExitCodes.DamagedData, await _cli.RunAsync("log"));
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log");
    }

    [Fact]
    public async Task Purge_PromptOpenLongerThanTheCleanupInterval_DeletesNoSegment()
    {
        var segments = await SeedOldSegmentsAsync();
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(false);

        // The operator takes five minutes to answer: five times the log's default cleanup interval, on the CLI's clock.
        _cli.WhileAsking = () => _cli.Time.Advance(TimeSpan.FromMinutes(5));
        var code = await _cli.RunAsync("dlq", "purge", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Single(_cli.Questions);
        Assert.Equal(segments, Directory.GetFiles(Path.Combine(_cli.DataDirectory, "archive-0"), "*.log").Length);
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "dlq purge --all answered no after 5 minutes");
    }

    [Fact]
    public async Task OpenEmbedded_Writable_NeverRunsRetention()
    {
        var segments = await SeedOldSegmentsAsync();

        await using (var session = DataDirectory.OpenEmbedded(_cli.DataDirectory, DataDirectoryAccess.Writable, _cli.Time))
        {
            Assert.False(session.IsReadOnly);
            _cli.Time.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(segments, session.Log!.GetOrCreateTopic("archive").Partitions[0].SegmentCount);
        }

        Assert.Equal(segments, Directory.GetFiles(Path.Combine(_cli.DataDirectory, "archive-0"), "*.log").Length);
    }

    [Fact]
    public async Task Purge_Confirmed_ReopensWritableAndRemovesOnlyTheConfirmedDeadLetters()
    {
        _cli.Open = null;
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping");
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(true);

        // Between the listing and the change, the application dead-letters one more event that matches.
        _cli.WhileAsking = () => _cli.Add("evt-3");
        var code = await _cli.RunAsync("dlq", "purge", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([DataDirectoryAccess.ReadOnly, DataDirectoryAccess.Writable], _cli.Accesses);
        Assert.Equal(["evt-3"], _cli.Store.All.Select(l => l.EventId));
        Assert.Contains("Purged 2 dead letters (billing: 1, shipping: 1).", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_Confirmed_ActsOnTheConfirmedSetAndSaysWhatWentAway()
    {
        _cli.Open = null;
        _cli.Add("evt-1");
        _cli.Add("evt-2");
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(true);
        _cli.WhileAsking = () => _cli.Store.Add(_cli.Store.All.Single(l => l.EventId == "evt-2") with { Status = DeadLetterStatus.Redriven });

        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(1, _cli.Sent("orders", "billing"));
        Assert.Contains("herald: warning: 1 of the 2 confirmed dead letters changed or went away", _cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dlq", "list")]
    [InlineData("dlq", "purge", "--all", "--yes")]
    [InlineData("log")]
    [InlineData("log", "repair", "--partition", "orders-0", "--yes")]
    public async Task Run_DataIsMissingOrAFile_ExitsFourWithOneLine(params string[] command)
    {
        var file = Path.Combine(_cli.DataDirectory, "notes.txt");
        await File.WriteAllTextAsync(file, "not a log", TestContext.Current.CancellationToken);

        foreach (var path in new[] { "/proc/nope", file, Path.Combine(file, "below") })
        {
            var code = await _cli.RunAsync([.. command, "--data", path]);

            Assert.Equal(ExitCodes.NoDataDirectory, code);
            Assert.Empty(_cli.Output);
            var line = Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("herald: ", line, StringComparison.Ordinal);
        }
    }

    private (string Partition, string File, long Position) Inflict(Damage damage)
    {
        if (damage == Damage.FlippedAcknowledgedBatch)
        {
            // The first batch of orders-0, with five acknowledged batches after it: no crash explains that.
            var orders = DataDirectoryFiles.LastSegment(_cli.DataDirectory, "orders-0");
            DataDirectoryFiles.FlipBit(orders, 70);
            return ("orders-0", orders, 0);
        }

        var segment = DataDirectoryFiles.LastSegment(_cli.DataDirectory, SeededDataDirectory.DeadLetterPartition);
        var last = DataDirectoryFiles.Batches(segment)[^1];
        if (damage == Damage.TornTail)
        {
            DataDirectoryFiles.CutTail(segment, 5);
        }
        else
        {
            DataDirectoryFiles.FlipBytes(segment, last.Start + (last.Size / 2), 4);
        }

        return (SeededDataDirectory.DeadLetterPartition, segment, last.Start);
    }

    // A keep-forever topic of 30-day-old records in 1 KiB segments: the log's default 7-day retention would delete all but the last.
    private async Task<int> SeedOldSegmentsAsync()
    {
        var options = new EmbeddedLogTransportOptions { DataDirectory = _cli.DataDirectory };
        options.Log.Topics["archive"] = new TopicOptions { Partitions = 1, SegmentBytes = 1024, RetentionTime = null };
        options.Log.CleanupInterval = Timeout.InfiniteTimeSpan;
        await using var transport = new EmbeddedLogTransport(options);
        await transport.DeadLetterStore.SaveAsync(CliHarness.Letter("evt-1"), TestContext.Current.CancellationToken);
        var partition = transport.Log.GetOrCreateTopic("archive").Partitions[0];
        var old = CliHarness.Now.AddDays(-30).ToUnixTimeMilliseconds();
        for (var i = 0; i < 40; i++)
        {
            await partition.AppendAsync(new LogRecord(old, null, new byte[300]), TestContext.Current.CancellationToken);
        }

        Assert.True(partition.SegmentCount >= 10, $"{partition.SegmentCount} segments");
        return partition.SegmentCount;
    }
}
