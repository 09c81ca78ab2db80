using System.Text.Json.Nodes;

namespace Herald.Cli.Tests.Schemas;

public sealed class ExportCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly SchemaFiles _files = new();

    public void Dispose()
    {
        _files.Dispose();
        _cli.Dispose();
    }

    [Fact]
    public async Task Export_TestAssembly_WritesOneFilePerEventAndVersion()
    {
        var code = await _cli.RunAsync("schema", "export", "--assembly", SchemaFiles.TestAssembly, "--out", _files.Directory);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Error);
        Assert.True(File.Exists(Path.Combine(_files.Directory, "schema-test.order-placed", "v2.schema.json")));
        Assert.True(File.Exists(Path.Combine(_files.Directory, "schema-test.order-shipped", "v1.schema.json")));
        var line = Assert.Single(_cli.Output.Split('\n'), l => l.Contains(SchemaFiles.Placed, StringComparison.Ordinal));
        Assert.StartsWith("created", line, StringComparison.Ordinal);
        Assert.Contains(nameof(SchemaTestOrderPlaced), line, StringComparison.Ordinal);
        var schema = JsonNode.Parse(File.ReadAllText(_files.PathOf(SchemaFiles.Placed, 2)))!;
        Assert.Equal("schema-test.order-placed", (string?)schema["x-herald-event"]);
        Assert.Equal(2, (int?)schema["x-herald-version"]);
    }

    [Fact]
    public async Task Export_Twice_WritesIdenticalBytesAndReportsUnchanged()
    {
        await _cli.RunAsync("schema", "export", "-a", SchemaFiles.TestAssembly, "-o", _files.Directory);
        var first = await File.ReadAllBytesAsync(_files.PathOf(SchemaFiles.Placed, 2), TestContext.Current.CancellationToken);

        var code = await _cli.RunAsync("schema", "export", "-a", SchemaFiles.TestAssembly, "-o", _files.Directory);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(first, await File.ReadAllBytesAsync(_files.PathOf(SchemaFiles.Placed, 2), TestContext.Current.CancellationToken));
        Assert.DoesNotContain("created", _cli.Output, StringComparison.Ordinal);
        Assert.Contains($"unchanged {_files.PathOf(SchemaFiles.Placed, 2)}", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OlderVersionCommitted_KeepsItAndUpdatesAnEditedFile()
    {
        _files.Commit<SchemaTestOrderPlaced>(version: 1);
        _files.Commit<SchemaTestOrderShipped>(s => s["title"] = "hand-edited");
        var older = await File.ReadAllTextAsync(_files.PathOf(SchemaFiles.Placed, 1), TestContext.Current.CancellationToken);

        var code = await _cli.RunAsync("schema", "export", "-a", SchemaFiles.TestAssembly, "-o", _files.Directory, "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(older, await File.ReadAllTextAsync(_files.PathOf(SchemaFiles.Placed, 1), TestContext.Current.CancellationToken));
        var written = _cli.Json().GetProperty("schemas").EnumerateArray().ToDictionary(s => s.GetProperty("event").GetString()!, s => s);
        Assert.Equal("created", written[SchemaFiles.Placed].GetProperty("status").GetString());
        Assert.Equal(2, written[SchemaFiles.Placed].GetProperty("version").GetInt32());
        Assert.Equal("updated", written[SchemaFiles.Shipped].GetProperty("status").GetString());
        Assert.Equal(_files.PathOf(SchemaFiles.Shipped, 1), written[SchemaFiles.Shipped].GetProperty("path").GetString());
        Assert.Equal(typeof(SchemaTestOrderShipped).FullName, written[SchemaFiles.Shipped].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Export_MissingAssembly_ExitsTwoAndWritesNothing()
    {
        var missing = Path.Combine(_files.Directory, "Nope.dll");

        var code = await _cli.RunAsync("schema", "export", "--assembly", missing, "--out", _files.Directory);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"herald: assembly '{missing}' does not exist", _cli.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_files.Directory));
    }

    [Fact]
    public async Task Export_NotAnAssembly_ExitsTwo()
    {
        Directory.CreateDirectory(_files.Directory);
        var text = Path.Combine(_files.Directory, "readme.dll");
        await File.WriteAllTextAsync(text, "not a dll", TestContext.Current.CancellationToken);

        var code = await _cli.RunAsync("schema", "export", "--assembly", text, "--out", _files.Directory);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is not a .NET assembly", _cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("schema", "export")]
    [InlineData("schema", "check")]
    [InlineData("schema", "check", "-a", "x.dll", "--mode", "sideways")]
    [InlineData("schema")]
    public async Task Run_BadSchemaCommandLine_ExitsTwoWithOneLineOnStderr(params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_cli.Output);
        Assert.StartsWith("herald: ", Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
