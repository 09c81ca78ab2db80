namespace Herald.Eng.Tests;

/// <summary>
/// ADR 0027: <c>dotnet build</c> of a library under src/ fails on a public change that PublicAPI.*.txt does not record.
/// A small library is built in a temporary copy of the repository's build files (global.json, the Directory.* files,
/// .editorconfig and every file at the top of src/), so its obj and bin are its own and the worktree is not touched:
/// one build per step, the first one restoring.
/// </summary>
public sealed class PublicApiBaselineTests : IDisposable
{
    private const string Shipped = """
        #nullable enable
        Herald.ApiProbe.Recorded
        static Herald.ApiProbe.Recorded.Value.get -> int
        """;

    private const string RecordedSource = """
        namespace Herald.ApiProbe;

        /// <summary>Holds public API recorded in PublicAPI.Shipped.txt.</summary>
        public static class Recorded
        {
            /// <summary>Gets a value.</summary>
            public static int Value => 1;
        }
        """;

    private const string AddedSource = """
        namespace Herald.ApiProbe;

        /// <summary>Holds public API added since the last release.</summary>
        public static class Added
        {
            /// <summary>Gets a value.</summary>
            public static int Value => 2;
        }
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    // Set by the dotnet test and MSBuild that run these tests; the nested dotnet must find its own.
    private static readonly string[] InheritedPrefixes = ["MSBuild", "MSBUILD", "TESTINGPLATFORM_", "DOTNET_TEST", "VSTEST"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "herald-api-" + Guid.NewGuid().ToString("N")[..12]);

    private string Project => Path.Combine(_root, "src", "Herald.ApiProbe");

    [Fact]
    public async Task Build_PublicChange_FailsUntilRecordedInPublicApiFiles()
    {
        CopyBuildFiles();
        Write("Herald.ApiProbe.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        Write("Recorded.cs", RecordedSource);
        Write("PublicAPI.Shipped.txt", Shipped);
        Write("PublicAPI.Unshipped.txt", "#nullable enable");
        Write("Added.cs", AddedSource);
        var unrecorded = await BuildAsync(restore: true);
        AssertFailedWith(unrecorded, "RS0016", "Symbol 'Herald.ApiProbe.Added' is not part of the declared public API");
        AssertFailedWith(unrecorded, "RS0016", "Symbol 'static Herald.ApiProbe.Added.Value.get -> int' is not part of the declared public API");

        Write("PublicAPI.Unshipped.txt", """
            #nullable enable
            Herald.ApiProbe.Added
            static Herald.ApiProbe.Added.Value.get -> int
            """);
        var recorded = await BuildAsync();
        Assert.True(recorded.ExitCode == 0, recorded.ToString());

        File.Delete(Path.Combine(Project, "Added.cs"));
        var removed = await BuildAsync();
        AssertFailedWith(removed, "RS0017", "Symbol 'Herald.ApiProbe.Added' is part of the declared API, but is either not public or could not be found");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void CopyBuildFiles()
    {
        Directory.CreateDirectory(Project);
        foreach (var name in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
        {
            File.Copy(Path.Combine(ScriptRun.Root, name), Path.Combine(_root, name));
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(ScriptRun.Root, "src")))
        {
            File.Copy(file, Path.Combine(_root, "src", Path.GetFileName(file)));
        }
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(Project, name), text + "\n");

    private Task<ScriptResult> BuildAsync(bool restore = false)
    {
        var environment = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => InheritedPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(name => name, string? (_) => null);
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        var arguments = new List<string> { "build", "Herald.ApiProbe.csproj", "-c", "Release" };
        if (!restore)
        {
            arguments.Add("--no-restore");
        }

        return ScriptRun.RunProcessAsync("dotnet", arguments, Project, environment, Timeout);
    }

    private static void AssertFailedWith(ScriptResult result, string id, string message)
    {
        Assert.True(result.ExitCode != 0, $"The build passed; expected {id}.\n{result}");
        Assert.True(
            result.StandardOutput.Contains($"error {id}: {message}", StringComparison.Ordinal),
            $"No 'error {id}: {message}' in the build's output.\n{result}");
    }
}
