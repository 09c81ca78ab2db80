using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Cli.Tests.Schemas;

public sealed class CheckCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly SchemaFiles _files = new();

    public void Dispose()
    {
        _files.Dispose();
        _cli.Dispose();
    }

    [Fact]
    public async Task Check_AfterExport_PassesAndListsEveryEvent()
    {
        await _cli.RunAsync("schema", "export", "-a", SchemaFiles.TestAssembly, "-o", _files.Directory);

        var code = await Check("full");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Error);
        Assert.Contains("schema-test.order-placed v2", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("No breaking changes (full).", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backward")]
    [InlineData("forward")]
    [InlineData("full")]
    public async Task Check_OptionalFieldAdded_Passes(string mode)
    {
        CommitBoth(placed: s =>
        {
            SchemaFiles.Properties(s).Remove("note");
        });

        var code = await Check(mode);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("$.note: new optional field (string | null)  [ok]", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backward", ExitCodes.Success)]
    [InlineData("forward", ExitCodes.BreakingSchemaChanges)]
    [InlineData("full", ExitCodes.BreakingSchemaChanges)]
    public async Task Check_FieldRemoved_FailsForwardAndFullNamingTheField(string mode, int expected)
    {
        CommitBoth(placed: s =>
        {
            SchemaFiles.Properties(s)["couponCode"] = new JsonObject { ["type"] = "string" };
            SchemaFiles.Required(s).Add("couponCode");
        });

        var code = await Check(mode);

        Assert.Equal(expected, code);
        var line = Assert.Single(Lines(), l => l.Contains("$.couponCode", StringComparison.Ordinal));
        Assert.Contains("required field removed", line, StringComparison.Ordinal);
        Assert.Contains(expected == ExitCodes.Success ? "[ok]" : "[BREAKS forward]", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backward")]
    [InlineData("forward")]
    [InlineData("full")]
    public async Task Check_TypeChanged_FailsNamingTheEventVersionAndField(string mode)
    {
        CommitBoth(placed: s => SchemaFiles.Properties(s)["lines"]!["items"]!["properties"]!["sku"]!["type"] = "integer");

        var code = await Check(mode);

        Assert.Equal(ExitCodes.BreakingSchemaChanges, code);
        Assert.Contains("BREAKING schema-test.order-placed v2", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("$.lines[*].sku: type changed from integer to string  [BREAKS backward+forward]", _cli.Output, StringComparison.Ordinal);
        Assert.Equal($"herald: 1 breaking schema change ({mode} compatibility); see the list on stdout.", _cli.Error.TrimEnd());
    }

    [Theory]
    [InlineData("backward", ExitCodes.BreakingSchemaChanges)]
    [InlineData("forward", ExitCodes.Success)]
    [InlineData("full", ExitCodes.BreakingSchemaChanges)]
    public async Task Check_NewRequiredField_FailsBackwardAndFull(string mode, int expected)
    {
        CommitBoth(placed: s =>
        {
            SchemaFiles.Properties(s).Remove("customerId");
            SchemaFiles.Required(s).Remove(SchemaFiles.Required(s).Single(r => (string?)r == "customerId"));
        });

        var code = await Check(mode);

        Assert.Equal(expected, code);
        Assert.Contains("$.customerId: new required field (string)", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backward", ExitCodes.Success)]
    [InlineData("forward", ExitCodes.BreakingSchemaChanges)]
    [InlineData("full", ExitCodes.BreakingSchemaChanges)]
    public async Task Check_CommittedEventGoneFromTheCode_FailsForwardAndFull(string mode, int expected)
    {
        CommitBoth();
        var gone = _files.PathOf("schema-test.order-cancelled", 1);
        Directory.CreateDirectory(Path.GetDirectoryName(gone)!);
        File.WriteAllText(gone, """{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}""");

        var code = await Check(mode);

        Assert.Equal(expected, code);
        var line = Assert.Single(Lines(), l => l.Contains("schema-test.order-cancelled", StringComparison.Ordinal));
        Assert.Contains("no [Event] type in the assembly declares it", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NewerVersionInCode_ReportsNewVersionNotCompared()
    {
        CommitBoth();
        File.Move(_files.PathOf(SchemaFiles.Placed, 2), _files.PathOf(SchemaFiles.Placed, 1));
        File.WriteAllText(_files.PathOf(SchemaFiles.Placed, 1), """{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}""");

        var code = await Check("full");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("new      schema-test.order-placed v2", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("new version, not compared (newest committed: v1)", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OlderVersionInCode_Fails()
    {
        CommitBoth();
        _files.Commit<SchemaTestOrderPlaced>(version: 3);

        var code = await Check("backward");

        Assert.Equal(ExitCodes.BreakingSchemaChanges, code);
        Assert.Contains("the code's newest version is v2 but v3 is committed", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NoCommittedSchema_ReportsNewEventAndPasses()
    {
        _files.Commit<SchemaTestOrderShipped>();

        var code = await Check("full");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("new      schema-test.order-placed v2", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Json_WritesEveryEventAndChange()
    {
        CommitBoth(placed: s => SchemaFiles.Properties(s)["total"]!["type"] = "string");

        var code = await _cli.RunAsync("schema", "check", "-a", SchemaFiles.TestAssembly, "-s", _files.Directory, "--json");

        Assert.Equal(ExitCodes.BreakingSchemaChanges, code);
        var report = _cli.Json();
        Assert.Equal("backward", report.GetProperty("mode").GetString());
        Assert.False(report.GetProperty("compatible").GetBoolean());
        Assert.Equal(1, report.GetProperty("breakingChanges").GetInt32());
        var placed = report.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("event").GetString() == SchemaFiles.Placed);
        Assert.Equal(("breaking", 2, 2), (placed.GetProperty("status").GetString(), placed.GetProperty("version").GetInt32(), placed.GetProperty("comparedWith").GetInt32()));
        var change = Assert.Single(placed.GetProperty("changes").EnumerateArray());
        Assert.Equal(("$.total", "type-changed", true, true), (change.GetProperty("path").GetString(), change.GetProperty("kind").GetString(), change.GetProperty("breaksBackward").GetBoolean(), change.GetProperty("breaksForward").GetBoolean()));
        Assert.Equal(JsonValueKind.String, change.GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task Check_MissingSchemaDirectory_ExitsTwo()
    {
        var code = await Check("backward");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"herald: schema directory '{_files.Directory}' does not exist", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_InvalidCommittedJson_ExitsOneNamingTheFile()
    {
        CommitBoth();
        File.WriteAllText(_files.PathOf(SchemaFiles.Shipped, 1), "{ not json");

        var code = await Check("backward");

        Assert.Equal(ExitCodes.UnexpectedError, code);
        Assert.Contains(_files.PathOf(SchemaFiles.Shipped, 1), _cli.Error, StringComparison.Ordinal);
    }

    private void CommitBoth(Action<JsonObject>? placed = null)
    {
        _files.Commit<SchemaTestOrderPlaced>(placed);
        _files.Commit<SchemaTestOrderShipped>();
    }

    private Task<int> Check(string mode) =>
        _cli.RunAsync("schema", "check", "--assembly", SchemaFiles.TestAssembly, "--schemas", _files.Directory, "--mode", mode);

    private string[] Lines() => _cli.Output.Split('\n');
}
