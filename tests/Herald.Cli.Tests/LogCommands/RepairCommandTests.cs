using System.Text;
using Herald.Log;

namespace Herald.Cli.Tests.LogCommands;

public sealed class RepairCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Repair_DamagedPartition_DryRunChangesNothingThenTheRepairKeepsTheCutBytesAndTheRecordsBeforeServe()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var (segment, position) = DamageFourthBatch("orders-1");
        var original = await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken);
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        Assert.Equal(ExitCodes.DamagedData, await _cli.RunAsync("log"));
        Assert.Contains($"orders-1: '{segment}' at byte {position}", _cli.Output, StringComparison.Ordinal);
        Assert.Contains($"herald log repair --data {_cli.DataDirectory} --partition orders-1", _cli.Output, StringComparison.Ordinal);
        Assert.Equal("herald: 1 damaged partition (orders-1); see the report on stdout, and repair with the application stopped.", _cli.Error.TrimEnd());

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("log", "repair", "--partition", "orders-1", "--dry-run", "--json"));
        var dryRun = _cli.Json();
        Assert.Equal(position, dryRun.GetProperty("position").GetInt64());
        Assert.Equal(original.Length - position, dryRun.GetProperty("bytesCut").GetInt64());
        Assert.False(dryRun.GetProperty("applied").GetBoolean());
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log repair --dry-run");

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("log", "repair", "--partition", "orders-1", "--yes"));
        Assert.Contains("orders-1 now holds offsets 0 to 3 (exclusive)", _cli.Output, StringComparison.Ordinal);
        var side = Assert.Single(Directory.GetDirectories(Path.Combine(_cli.DataDirectory, LogRepair.RepairsDirectoryName)));
        var kept = Assert.Single(Directory.GetFiles(side));
        Assert.Equal(original[(int)position..], await File.ReadAllBytesAsync(kept, TestContext.Current.CancellationToken));
        Assert.Equal(original[..(int)position], await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("log", "--json"));
        Assert.True(_cli.Json().GetProperty("healthy").GetBoolean());
        Assert.Contains(_cli.Json().GetProperty("groups").EnumerateArray(), g => g.GetProperty("partition").GetInt32() == 1 && g.GetProperty("committedOffset").GetInt64() == 3);
        Assert.Equal(["orders-1-0", "orders-1-1", "orders-1-2"], ReadOrders(partition: 1));
    }

    [Fact]
    public async Task Repair_WithoutYesOnRedirectedStdin_ExitsTwoAndChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        DamageFourthBatch("orders-1");
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        Assert.Equal(ExitCodes.Usage, await _cli.RunAsync("log", "repair", "--partition", "orders-1"));
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log repair without --yes");
    }

    [Fact]
    public async Task Repair_AnsweredNo_AsksWithFileAndByteAndChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var (segment, position) = DamageFourthBatch("orders-1");
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(false);

        var code = await _cli.RunAsync("log", "repair", "--partition", "orders-1");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains($"'{segment}' at byte {position}", Assert.Single(_cli.Questions), StringComparison.Ordinal);
        Assert.Contains("aborted; nothing was changed.", _cli.Error, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log repair answered no");
    }

    [Fact]
    public async Task Repair_UndamagedPartition_SaysSoAndChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        var code = await _cli.RunAsync("log", "repair", "--partition", "orders-1", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Partition orders-1 has no damage; nothing to repair.", _cli.Output, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log repair of a healthy partition");
    }

    [Theory]
    [InlineData("orders-7")]
    [InlineData("orders")]
    [InlineData("../orders-1")]
    public async Task Repair_NoSuchPartition_ExitsTwoWithOneLine(string partition)
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);

        var code = await _cli.RunAsync("log", "repair", "--partition", partition, "--yes");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Repair_ApplicationRunning_ExitsThreeAndChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        var (segment, _) = DamageFourthBatch("orders-1");
        using var application = EmbeddedLog.Open(_cli.DataDirectory);
        var before = await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken);

        var code = await _cli.RunAsync("log", "repair", "--partition", "orders-1", "--yes");

        Assert.Equal(ExitCodes.DataDirectoryLocked, code);
        Assert.Equal(before, await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(_cli.DataDirectory, LogRepair.RepairsDirectoryName)));
    }

    // A bit flipped in offset 3's batch, with offsets 4 and 5 acknowledged after it: damage, not a torn write.
    private (string Segment, long Position) DamageFourthBatch(string partition)
    {
        var segment = DataDirectoryFiles.LastSegment(_cli.DataDirectory, partition);
        var batch = DataDirectoryFiles.Batches(segment)[3];
        DataDirectoryFiles.FlipBit(segment, batch.Start + batch.Size - 3);
        return (segment, batch.Start);
    }

    private List<string> ReadOrders(int partition)
    {
        using var log = EmbeddedLog.Open(_cli.DataDirectory, new EmbeddedLogOptions { ReadOnly = true });
        var logPartition = log.GetOrCreateTopic("orders").Partitions[partition];
        using var reader = logPartition.OpenReader(logPartition.StartOffset);
        var values = new List<string>();
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                values.Add(Encoding.UTF8.GetString(record.Value)[12..^2]);
            }
        }

        return values;
    }
}
