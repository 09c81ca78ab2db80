using Herald.Cli.Parsing;

namespace Herald.Cli.Tests.Parsing;

public sealed class UsageErrorsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("herald: unknown command 'dlqq' for 'herald'. Did you mean 'dlq'? See 'herald --help'.", "dlqq", "list")]
    [InlineData("herald: unknown command 'lsit' for 'herald dlq'. Did you mean 'list'? See 'herald dlq --help'.", "dlq", "lsit")]
    [InlineData("herald: unknown option '--josn' for 'herald dlq list'. Did you mean '--json'? See 'herald dlq list --help'.", "dlq", "list", "--josn")]
    [InlineData("herald: unknown option '--transprt' for 'herald dlq list'. Did you mean '--transport'? See 'herald dlq list --help'.", "dlq", "list", "--transprt", "nats")]
    [InlineData("herald: unknown command 'frobnicate' for 'herald dlq'. See 'herald dlq --help'.", "dlq", "frobnicate")]
    public async Task Run_UnknownCommandOrOption_NamesItAndSuggestsTheNearest(string message, params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(message, _cli.Error.TrimEnd());
        Assert.Empty(_cli.Output);
    }

    [Theory]
    [InlineData("sqs", "dlq", "list", "--transport", "sqs")]
    [InlineData("SQS", "dlq", "redrive", "--all", "--transport=SQS")]
    public async Task Run_UnknownTransport_ListsTheTransportsAsTheDocsSpellThem(string typed, params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"herald: unknown transport '{typed}'; use one of: embedded, rabbitmq, nats, kafka.", _cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BrokerKind", _cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("RabbitMQ", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TransportInAnyCase_IsAccepted()
    {
        var code = await _cli.RunAsync("dlq", "list", "--transport", "Embedded", "--json");

        Assert.Equal(ExitCodes.Success, code);
    }

    [Fact]
    public async Task Help_Transport_ShowsTheChoicesAndDefaultAsTheDocsSpellThem()
    {
        var code = await _cli.RunAsync("dlq", "list", "--help");

        Assert.Equal(ExitCodes.Success, code);
        var line = Assert.Single(_cli.Output.Split('\n'), l => l.Contains("--transport <", StringComparison.Ordinal));
        Assert.Contains("<embedded|rabbitmq|nats|kafka>", line, StringComparison.Ordinal);
        Assert.Contains("[default: embedded]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Embedded", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoTransport_OpensTheDataDirectory()
    {
        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([_cli.DataDirectory], _cli.OpenedDirectories);
    }

    [Fact]
    public async Task Run_UnknownSchemaMode_ListsTheModes()
    {
        var code = await _cli.RunAsync("schema", "check", "--assembly", "app.dll", "--mode", "sideways");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(
            "herald: unknown mode 'sideways'; use one of: backward, forward, full. See 'herald schema check --help'.",
            _cli.Error.TrimEnd());
    }

    [Theory]
    [InlineData("--data", "dlq", "list", "--data", "a", "--data", "b")]
    [InlineData("--transport", "dlq", "list", "--transport", "nats", "--transport=rabbitmq")]
    [InlineData("--json", "dlq", "list", "--json", "--json")]
    [InlineData("--limit", "dlq", "list", "--limit", "5", "--limit", "6")]
    [InlineData("--group", "dlq", "purge", "-g", "billing", "--group", "shipping", "--yes")]
    public async Task Run_SingleValuedOptionGivenTwice_IsRefusedNamingIt(string option, params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"herald: {option} was given more than once; give it once.", _cli.Error, StringComparison.Ordinal);
        Assert.Empty(_cli.OpenedDirectories);
    }

    [Theory]
    [InlineData("dlq", new[] { "dlq", "log", "schema" }, "dlq")]
    [InlineData("shcema", new[] { "dlq", "log", "schema" }, "schema")]
    [InlineData("--dat", new[] { "--data", "--json" }, "--data")]
    [InlineData("xyzzy", new[] { "dlq", "log", "schema" }, null)]
    [InlineData("l", new[] { "dlq", "log", "list" }, null)]
    public void Nearest_Typo_ReturnsTheClosestKnownWordOrNone(string typed, string[] known, string? expected)
    {
        Assert.Equal(expected, UsageErrors.Nearest(typed, known));
    }
}
