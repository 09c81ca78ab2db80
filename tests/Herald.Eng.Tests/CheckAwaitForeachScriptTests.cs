namespace Herald.Eng.Tests;

/// <summary>
/// eng/check-await-foreach.sh finds the await foreach loops without ConfigureAwait(false) that CA2007 does not see, in
/// library projects only; each run checks a source tree of the test's own.
/// </summary>
public sealed class CheckAwaitForeachScriptTests : IDisposable
{
    private const string Script = "eng/check-await-foreach.sh";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "herald-await-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Run_LibraryLoopWithoutConfigureAwait_FailsNamingFileAndLine()
    {
        AddProject("Herald.Library", "Streams/Reader.cs", "await foreach (var item in source.WithCancellation(cancellationToken))");

        var result = await ScriptRun.RunAsync(Script, [_root], new Dictionary<string, string?>(), Timeout);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("src/Herald.Library/Streams/Reader.cs:2: await foreach without ConfigureAwait(false)", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LoopsConfiguredOrOutsideLibraries_Passes()
    {
        AddProject("Herald.Library", "Reader.cs", "await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))");
        AddProject("Herald.Tool", "Program.cs", "await foreach (var item in source)", "<HeraldConfigureAwait>false</HeraldConfigureAwait>");

        var result = await ScriptRun.RunAsync(Script, [_root], new Dictionary<string, string?>(), Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StandardError);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void AddProject(string name, string file, string loop, string properties = "")
    {
        Write($"src/{name}/{name}.csproj", $"""<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup>{properties}</PropertyGroup></Project>""");
        Write($"src/{name}/{file}", $"// A loop over an async stream.\n{loop}\n{{\n}}");
    }

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }
}
