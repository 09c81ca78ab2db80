using Herald.DeadLetters;

namespace Herald.Cli.Tests.DeadLetterCommands;

public sealed class PurgeCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Purge_Ids_DeletesThemInEveryGroup()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-1", group: "shipping");
        _cli.Add("evt-2");

        var code = await _cli.RunAsync("dlq", "purge", "evt-1", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["evt-2"], _cli.Store.All.Select(l => l.EventId));
        Assert.Contains("Purged 2 dead letters (billing: 1, shipping: 1).", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_DryRun_ChangesNothing()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "purge", "--all", "--dry-run", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(1, _cli.Json().GetProperty("count").GetInt32());
        Assert.Equal(0, _cli.Store.Removes);
        Assert.Single(_cli.Store.All);
    }

    [Fact]
    public async Task Purge_WithoutYesOnRedirectedStdin_ExitsTwoAndChangesNothing()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "purge", "evt-1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(0, _cli.Store.Removes);
    }

    [Fact]
    public async Task Purge_NoSelection_IsAUsageError()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "purge", "--yes", "--include-redriven");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(_cli.Store.All);
    }

    [Fact]
    public async Task Purge_All_KeepsRedrivenUnlessIncluded()
    {
        _cli.Add("pending");
        _cli.Add("done", status: DeadLetterStatus.Redriven);

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "purge", "--all", "--yes"));
        Assert.Equal(["done"], _cli.Store.All.Select(l => l.EventId));

        Assert.Equal(ExitCodes.Success, await _cli.RunAsync("dlq", "purge", "--all", "--include-redriven", "--yes"));
        Assert.Empty(_cli.Store.All);
    }

    [Fact]
    public async Task Purge_IdNotMatchingTheFilter_ExitsFiveAndChangesNothing()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping");

        var code = await _cli.RunAsync("dlq", "purge", "evt-1", "evt-2", "--group", "billing", "--yes");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Equal("herald: no pending dead letter matching the filters has event id or dead-letter id evt-2; nothing was purged.", _cli.Error.TrimEnd());
        Assert.Equal(2, _cli.Store.All.Count);
    }

    [Fact]
    public async Task Purge_SinceFilter_DeletesOnlyRecent()
    {
        _cli.Add("old", age: TimeSpan.FromDays(2));
        _cli.Add("recent", age: TimeSpan.FromMinutes(10));

        var code = await _cli.RunAsync("dlq", "purge", "--since", "1h", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["old"], _cli.Store.All.Select(l => l.EventId));
    }

    [Fact]
    public async Task Purge_HostileDeadLetter_EscapesItInThePreviewAndTheMissingIdError()
    {
        _cli.Store.Add(HostileText.Letter());

        var dryRun = await _cli.RunAsync("dlq", "purge", "--all", "--dry-run");
        var preview = _cli.Output;
        var missing = await _cli.RunAsync("dlq", "purge", HostileText.EventId + "\u009b", "--yes");

        Assert.Equal(ExitCodes.Success, dryRun);
        Assert.Equal(ExitCodes.NotFound, missing);
        HostileText.AssertEscaped(preview);
        Assert.Contains(@"evt-\x1B[2J\x1B[H", preview, StringComparison.Ordinal);
        HostileText.AssertEscaped(_cli.Error);
        Assert.Contains(@"evt-\x1B[2J\x1B[H\x9B", _cli.Error, StringComparison.Ordinal);
    }
}
