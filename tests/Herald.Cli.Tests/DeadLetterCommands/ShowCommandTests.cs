using Herald.DeadLetters;

namespace Herald.Cli.Tests.DeadLetterCommands;

public sealed class ShowCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Show_Text_PrintsEnvelopePrettyDataFailureStackTraceAndEachGroup()
    {
        _cli.Add("evt-1");
        var redriven = _cli.Add("evt-1", group: "shipping", status: DeadLetterStatus.Redriven);
        _cli.Store.Add(redriven with { History = [redriven.Failure with { RedrivenAt = CliHarness.Now.AddHours(-2) }] });

        var code = await _cli.RunAsync("dlq", "show", "evt-1");

        Assert.Equal(ExitCodes.Success, code);
        var output = _cli.Output;
        Assert.Contains("Event evt-1: order.created, dead-lettered in 2 groups", output, StringComparison.Ordinal);
        Assert.Contains("source:", output, StringComparison.Ordinal);
        Assert.Contains("/shop/orders", output, StringComparison.Ordinal);
        Assert.Contains("correlationid:", output, StringComparison.Ordinal);
        Assert.Contains("\"orderId\": 42", output, StringComparison.Ordinal);
        Assert.Contains("Group billing (topic orders): pending", output, StringComparison.Ordinal);
        Assert.Contains("Group shipping (topic orders): redriven", output, StringComparison.Ordinal);
        Assert.Contains("at Shop.Billing.ChargeHandler.HandleAsync()", output, StringComparison.Ordinal);
        Assert.Contains("history: 1 earlier episode, oldest first", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Json_WritesEveryGroupsDeadLetter()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-1", group: "shipping");

        var code = await _cli.RunAsync("dlq", "show", "evt-1", "--json");

        Assert.Equal(ExitCodes.Success, code);
        var json = _cli.Json();
        Assert.Equal("evt-1", json.GetProperty("eventId").GetString());
        Assert.Equal(["billing", "shipping"], json.GetProperty("deadLetters").EnumerateArray().Select(l => l.GetProperty("group").GetString()));
        Assert.Contains("\n", _cli.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Group_ShowsOnlyThatGroup()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-1", group: "shipping");

        var code = await _cli.RunAsync("dlq", "show", "evt-1", "--group", "shipping", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("shipping", Assert.Single(_cli.Json().GetProperty("deadLetters").EnumerateArray()).GetProperty("group").GetString());
    }

    [Fact]
    public async Task Show_UnknownId_ExitsFiveWithOneLineOnStderr()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "show", "nope", "--json");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Empty(_cli.Output);
        Assert.Equal("herald: no dead letter has event id or dead-letter id 'nope'.", _cli.Error.TrimEnd());
    }

    [Fact]
    public async Task Show_NonJsonPayload_PrintsItAsText()
    {
        _cli.Add("evt-1", data: "plain words", contentType: "text/plain");

        var code = await _cli.RunAsync("dlq", "show", "evt-1");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("  plain words", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain", null)]
    [InlineData("application/json", "{\"note\":\"\u001b[2J\u202E\"}")]
    [InlineData("application/json", "{\"note\":\"\\u001b[2J\\u202E\"}")]
    public async Task Show_HostileEnvelopePayloadAndFailure_EscapesTheirControlCharacters(string contentType, string? data)
    {
        _cli.Store.Add(HostileText.Letter(contentType, data));

        var code = await _cli.RunAsync("dlq", "show", HostileText.EventId);

        Assert.Equal(ExitCodes.Success, code);
        HostileText.AssertEscaped(_cli.Output);
        Assert.Contains(@"Event evt-\x1B[2J\x1B[H: order.created\u202E", _cli.Output, StringComparison.Ordinal);
        Assert.Contains(@"\x1B[1A\x1B[2K\rRedriven 0 dead letters; all clear.\x07", _cli.Output, StringComparison.Ordinal);
        Assert.Contains(@"\u202Enimda\x9B31m", _cli.Output, StringComparison.Ordinal);
        Assert.Contains(@"\x1B[31mred", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_HostileUnknownId_EscapesItInTheError()
    {
        var code = await _cli.RunAsync("dlq", "show", HostileText.EventId);

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Equal(@"herald: no dead letter has event id or dead-letter id 'evt-\x1B[2J\x1B[H'.", _cli.Error.TrimEnd());
    }
}
