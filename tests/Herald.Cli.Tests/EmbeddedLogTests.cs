using Herald.DeadLetters;
using Herald.Transports.Embedded;

namespace Herald.Cli.Tests;

/// <summary>The commands against a real embedded-log data directory, opened the way the installed tool opens it.</summary>
public sealed class EmbeddedLogTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public EmbeddedLogTests() => _cli.Open = _cli.OpenEmbedded;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task List_RealDataDirectory_PrintsItsDeadLetters()
    {
        await SeedAsync(_cli.Add("evt-1"), _cli.Add("evt-2", group: "shipping"));

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["evt-1", "evt-2"], DeadLetterCommands.ListCommandTests.EventIds(_cli.Json()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Redrive_RealDataDirectory_AppendsToTheRedriveTopicAndMarksRedriven()
    {
        await SeedAsync(_cli.Add("evt-1"), _cli.Add("evt-2"));

        var code = await _cli.RunAsync("dlq", "redrive", "evt-1", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        await using var transport = Open();
        var letters = await transport.DeadLetterStore.GetAllAsync(TestContext.Current.CancellationToken);
        Assert.Equal(DeadLetterStatus.Redriven, letters.Single(l => l.EventId == "evt-1").Status);
        Assert.Equal(DeadLetterStatus.Pending, letters.Single(l => l.EventId == "evt-2").Status);
        Assert.Equal(1, transport.GetBacklog(DeadLetterQueues.RedriveTopic("orders", "billing"), "billing"));
    }

    [Fact]
    public async Task RedriveAndPurge_DryRun_LeaveTheDataDirectoryUnchanged()
    {
        await SeedAsync(_cli.Add("evt-1"));

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "redrive", "--all", "--dry-run"));
        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "purge", "--all", "--dry-run"));

        await using var transport = Open();
        var letter = Assert.Single(await transport.DeadLetterStore.GetAllAsync(TestContext.Current.CancellationToken));
        Assert.Equal(DeadLetterStatus.Pending, letter.Status);
        Assert.False(transport.Log.TryGetTopic(DeadLetterQueues.RedriveTopic("orders", "billing"), out _));
    }

    [Fact]
    public async Task Purge_RealDataDirectory_RemovesTheDeadLetter()
    {
        await SeedAsync(_cli.Add("evt-1"), _cli.Add("evt-2"));

        var code = await _cli.RunAsync("dlq", "purge", "evt-2", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        await using var transport = Open();
        Assert.Equal("evt-1", Assert.Single(await transport.DeadLetterStore.GetAllAsync(TestContext.Current.CancellationToken)).EventId);
    }

    [Fact]
    public async Task Run_DataDirectoryHeldOpen_ExitsThreeNamingDirectoryAndPid()
    {
        await SeedAsync(_cli.Add("evt-1"));
        await using var holder = Open();

        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.DataDirectoryLocked, code);
        Assert.Empty(_cli.Output);
        Assert.Equal(
            $"herald: data directory '{_cli.DataDirectory}' is locked by this process (pid {Environment.ProcessId}), which is writing to it: herald reads a data directory only while no process writes it; stop the application and retry.",
            _cli.Error.TrimEnd());
    }

    [Fact]
    public async Task Show_RealDataDirectory_ExitsFiveForAnUnknownId()
    {
        await SeedAsync(_cli.Add("evt-1"));

        Assert.Equal(ExitCodes.NotFound, await _cli.RunAsync("dlq", "show", "nope"));
        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "show", "evt-1"));
    }

    [Fact]
    public async Task List_RealDataDirectoryWithAnUnreadableLetter_ListsTheOthersAndWarnsItWasSetAside()
    {
        await SeedAsync(_cli.Add("evt-1"));
        await using (var transport = Open())
        {
            var topic = transport.Log.GetOrCreateTopic(EmbeddedLogTransport.DeadLetterTopic);
            await topic.Partitions[0].AppendAsync(
                new Herald.Log.Storage.LogRecord(0, "billing\nbroken"u8.ToArray(), "{\"eventId\":"u8.ToArray()), TestContext.Current.CancellationToken);
        }

        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("evt-1", _cli.Output, StringComparison.Ordinal);
        Assert.Equal(
            "herald: warning: 1 unreadable dead letter(s) set aside, left out of this list and kept stored: billing/broken.",
            _cli.Error.TrimEnd());
    }

    private EmbeddedLogTransport Open() => new(new EmbeddedLogTransportOptions { DataDirectory = _cli.DataDirectory });

    private async Task SeedAsync(params DeadLetter[] letters)
    {
        await using var transport = Open();
        foreach (var letter in letters)
        {
            await transport.DeadLetterStore.SaveAsync(letter, TestContext.Current.CancellationToken);
        }
    }
}
