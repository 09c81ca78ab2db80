using Herald.DeadLetters;

namespace Herald.Cli.Tests.DeadLetterCommands;

/// <summary>Different messages that reused one event id are different dead letters: listed apart, selected by dead-letter id.</summary>
public sealed class ReusedEventIdTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly DeadLetter _first;
    private readonly DeadLetter _second;

    public ReusedEventIdTests()
    {
        _first = _cli.Add("evt-1", data: """{"orderId":42}""");
        _second = _cli.Add("evt-1", data: """{"orderId":43}""", age: TimeSpan.FromMinutes(10));
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task List_EventIdReusedInOneGroup_ListsBothByTheirDeadLetterIds()
    {
        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.Success, code);
        Assert.NotEqual(_first.Id, _second.Id);
        Assert.Single(_cli.Output.Split('\n'), line => line.Contains(_first.Id, StringComparison.Ordinal));
        Assert.Single(_cli.Output.Split('\n'), line => line.Contains(_second.Id, StringComparison.Ordinal));
        Assert.Contains("2 dead letters; 1 event id(s) reused by different messages", _cli.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_EventIdReusedInOneGroup_ShowsBothMessagesAndSaysTheIdIsAmbiguous()
    {
        var code = await _cli.RunAsync("dlq", "show", "evt-1");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("\"orderId\": 42", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("\"orderId\": 43", _cli.Output, StringComparison.Ordinal);
        Assert.Contains($"dead-letter id:   {_first.Id}", _cli.Output, StringComparison.Ordinal);
        Assert.Contains($"dead-letter id:   {_second.Id}", _cli.Output, StringComparison.Ordinal);
        Assert.Equal(
            $"herald: warning: event id 'evt-1' is ambiguous: 2 different messages were dead-lettered with it ({_first.Id}, {_second.Id}); give a dead-letter id to pick one.",
            _cli.Error.TrimEnd());
    }

    [Fact]
    public async Task Show_DeadLetterId_ShowsOnlyThatMessage()
    {
        var code = await _cli.RunAsync("dlq", "show", _second.Id, "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Error);
        var letter = Assert.Single(_cli.Json().GetProperty("deadLetters").EnumerateArray());
        Assert.Equal(_second.Id, letter.GetProperty("id").GetString());
        Assert.Equal(43, letter.GetProperty("envelope").GetProperty("data").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public async Task Redrive_AmbiguousEventId_ExitsTwoNamingTheDeadLetterIdsAndChangesNothing()
    {
        var code = await _cli.RunAsync("dlq", "redrive", "evt-1", "--yes");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(
            $"herald: event id 'evt-1' is ambiguous: 2 different messages were dead-lettered with it ({_first.Id}, {_second.Id}); give the dead-letter id of each one to redrive; nothing was redriven.",
            _cli.Error.TrimEnd());
        Assert.Equal(0, _cli.Store.Saves);
        Assert.Equal(0, _cli.Sent("orders", "billing"));
    }

    [Fact]
    public async Task Redrive_DeadLetterId_RedrivesOnlyThatMessage()
    {
        var code = await _cli.RunAsync("dlq", "redrive", _second.Id, "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(1, _cli.Sent("orders", "billing"));
        Assert.Equal(DeadLetterStatus.Pending, _cli.Store.All.Single(l => l.Id == _first.Id).Status);
        Assert.Equal(DeadLetterStatus.Redriven, _cli.Store.All.Single(l => l.Id == _second.Id).Status);
    }

    [Fact]
    public async Task Purge_BothDeadLetterIds_PurgesBoth()
    {
        var code = await _cli.RunAsync("dlq", "purge", _first.Id, _second.Id, "--yes");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Store.All);
    }
}
