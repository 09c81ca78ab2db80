using Herald.DeadLetters;

namespace Herald.Cli.Tests.DeadLetterCommands;

public sealed class RedriveCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Redrive_Ids_SendsThemBackToTheirGroupAndMarksThemRedriven()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping");
        _cli.Add("evt-3");

        var code = await _cli.RunAsync("dlq", "redrive", "evt-1", "evt-2", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(1, _cli.Sent("orders", "billing"));
        Assert.Equal(1, _cli.Sent("orders", "shipping"));
        Assert.Equal(["evt-1", "evt-2"], _cli.Store.All.Where(l => l.Status == DeadLetterStatus.Redriven).Select(l => l.EventId).Order(StringComparer.Ordinal));
        Assert.Contains("Redriven 2 dead letters (billing: 1, shipping: 1).", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_NoSelection_IsAUsageErrorAndChangesNothing()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--yes");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("herald: say which dead letters to redrive", _cli.Error, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Store.Saves);
        Assert.Empty(_cli.OpenedDirectories);
    }

    [Fact]
    public async Task Redrive_AllWithAFilter_IsAUsageError()
    {
        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--group", "billing", "--yes");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--all", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_WithoutYesOnRedirectedStdin_ExitsTwoAndChangesNothing()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--yes", _cli.Error, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Store.Saves);
        Assert.Equal(0, _cli.Sent("orders", "billing"));
    }

    [Fact]
    public async Task Redrive_DryRun_PrintsWhatWouldBeRedrivenAndChangesNothing()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2");

        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--dry-run");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("evt-1", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("Dry run: 2 dead letters would be redriven (billing: 2); nothing was changed.", _cli.Output, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Store.Saves);
        Assert.Equal(0, _cli.Sent("orders", "billing"));
        Assert.All(_cli.Store.All, l => Assert.Equal(DeadLetterStatus.Pending, l.Status));
    }

    [Fact]
    public async Task Redrive_DryRunJson_ListsTheSelection()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--dry-run", "--json");

        Assert.Equal(ExitCodes.Success, code);
        var json = _cli.Json();
        Assert.Equal("redrive", json.GetProperty("action").GetString());
        Assert.True(json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, json.GetProperty("count").GetInt32());
        Assert.Equal(["evt-1"], ListCommandTests.EventIds(json.GetProperty("deadLetters")));
        Assert.Equal(0, _cli.Store.Saves);
    }

    [Fact]
    public async Task Redrive_Filter_RedrivesOnlyMatchesAndReportsJson()
    {
        _cli.Add("evt-1", exception: "System.TimeoutException");
        _cli.Add("evt-2", exception: "System.InvalidOperationException");

        var code = await _cli.RunAsync("dlq", "redrive", "--exception", "TimeoutException", "--yes", "--json");

        Assert.Equal(ExitCodes.Success, code);
        var json = _cli.Json();
        Assert.False(json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, json.GetProperty("count").GetInt32());
        Assert.Equal("redriven", json.GetProperty("deadLetters")[0].GetProperty("status").GetString());
        Assert.Equal(DeadLetterStatus.Pending, _cli.Store.All.Single(l => l.EventId == "evt-2").Status);
    }

    [Fact]
    public async Task Redrive_All_RedrivesEveryPendingDeadLetter()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping");
        _cli.Add("evt-3", status: DeadLetterStatus.Redriven);

        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--yes", "--rate", "1000");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(2, _cli.Store.Saves);
        Assert.All(_cli.Store.All, l => Assert.Equal(DeadLetterStatus.Redriven, l.Status));
    }

    [Fact]
    public async Task Redrive_UnknownId_ExitsFiveAndChangesNothing()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "evt-1", "typo", "--yes");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Equal("herald: no pending dead letter has event id or dead-letter id typo; nothing was redriven.", _cli.Error.TrimEnd());
        Assert.Equal(0, _cli.Store.Saves);
    }

    [Fact]
    public async Task Redrive_AlreadyRedrivenId_ExitsFive()
    {
        _cli.Add("evt-1", status: DeadLetterStatus.Redriven);

        var code = await _cli.RunAsync("dlq", "redrive", "evt-1", "--yes");

        Assert.Equal(ExitCodes.NotFound, code);
    }

    [Fact]
    public async Task Redrive_FilterMatchingNothing_ExitsZero()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--group", "nobody", "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("No dead letters match; nothing to redrive.", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_InteractiveConfirmed_Redrives()
    {
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(true);
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("Redrive 1 dead letter (billing: 1)?", Assert.Single(_cli.Questions));
        Assert.Equal(1, _cli.Sent("orders", "billing"));
    }

    [Fact]
    public async Task Redrive_InteractiveDeclined_ChangesNothing()
    {
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(false);
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("aborted; nothing was redriven.", _cli.Error, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Store.Saves);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("fast")]
    public async Task Redrive_BadRate_IsAUsageError(string rate)
    {
        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--yes", "--rate", rate);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_cli.OpenedDirectories);
    }

    [Fact]
    public async Task Redrive_HostileDeadLetter_EscapesItInThePreviewQuestionAndReport()
    {
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(true);
        _cli.Store.Add(HostileText.Letter());

        var dryRun = await _cli.RunAsync("dlq", "redrive", "--all", "--dry-run");
        var preview = _cli.Output;
        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Success, dryRun);
        Assert.Equal(ExitCodes.Success, code);
        HostileText.AssertEscaped(preview);
        HostileText.AssertEscaped(_cli.Output);
        HostileText.AssertEscaped(Assert.Single(_cli.Questions));
        Assert.Contains(@"Dry run: 1 dead letter would be redriven (billing\x1B[8m: 1)", preview, StringComparison.Ordinal);
        Assert.Contains(@"Redriven 1 dead letter (billing\x1B[8m: 1).", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_DeadLetterAddedWhileTheQuestionWaits_IsNotRedriven()
    {
        _cli.IsInputRedirected = false;
        _cli.Answers.Enqueue(true);
        _cli.Add("evt-1");

        // The application dead-letters a matching event between the listing and the answer.
        _cli.WhileAsking = () => _cli.Add("evt-2");
        var code = await _cli.RunAsync("dlq", "redrive", "--all");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(1, _cli.Sent("orders", "billing"));
        Assert.Equal(DeadLetterStatus.Redriven, _cli.Store.All.Single(l => l.EventId == "evt-1").Status);
        Assert.Equal(DeadLetterStatus.Pending, _cli.Store.All.Single(l => l.EventId == "evt-2").Status);
        Assert.Contains("Redriven 1 dead letter (billing: 1).", _cli.Output, StringComparison.Ordinal);
    }
}
