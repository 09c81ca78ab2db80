namespace Herald.Cli.Tests.LogCommands;

public sealed class LogCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Log_HealthyDataDirectory_ReportsPartitionsGroupsAndSkippedEntriesAndExitsZero()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        Directory.CreateDirectory(Path.Combine(_cli.DataDirectory, "backup-2024"));
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        var code = await _cli.RunAsync("log", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Error);
        var report = _cli.Json();
        Assert.True(report.GetProperty("healthy").GetBoolean());
        var partitions = report.GetProperty("partitions").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, StringComparer.Ordinal);
        Assert.Equal(["orders-0", "orders-1", "payments-0"], partitions.Keys.Where(k => !k.StartsWith("__", StringComparison.Ordinal)));
        Assert.Equal(6, partitions["orders-1"].GetProperty("endOffset").GetInt64());
        Assert.Equal(10, partitions[SeededDataDirectory.DeadLetterPartition].GetProperty("endOffset").GetInt64());
        var billing = report.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("partition").GetInt32(), g.GetProperty("committedOffset").GetInt64(), g.GetProperty("lag").GetInt64()));
        Assert.Equal([(0, 3L, 3L), (1, 5L, 1L)], billing);
        Assert.Equal([Path.Combine(_cli.DataDirectory, "backup-2024")], report.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()));
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log --json");
    }

    [Fact]
    public async Task Log_Text_ShowsEveryPartitionAndSaysHealthy()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);

        var code = await _cli.RunAsync("log");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("orders-1", _cli.Output, StringComparison.Ordinal);
        Assert.Contains(SeededDataDirectory.DeadLetterPartition, _cli.Output, StringComparison.Ordinal);
        Assert.Contains("Healthy: 6 partitions in 5 topics", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_FreshDataDirectory_IsHealthyWithNoGroups()
    {
        new Herald.Transports.Embedded.EmbeddedLogTransport(new() { DataDirectory = _cli.DataDirectory }).Dispose();
        var before = DataDirectoryFiles.Snapshot(_cli.DataDirectory);

        var code = await _cli.RunAsync("log");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Healthy: 3 partitions in 3 topics", _cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Consumer groups", _cli.Output, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _cli.DataDirectory, "log");
    }

    [Fact]
    public async Task Log_ApplicationRunning_ExitsThree()
    {
        await SeededDataDirectory.WriteAsync(_cli.DataDirectory);
        using var application = Herald.Log.EmbeddedLog.Open(_cli.DataDirectory);

        var code = await _cli.RunAsync("log");

        Assert.Equal(ExitCodes.DataDirectoryLocked, code);
        Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
