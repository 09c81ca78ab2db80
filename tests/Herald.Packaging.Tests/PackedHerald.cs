using System.Reflection;

namespace Herald.Packaging.Tests;

/// <summary>Herald packed from the last build into a temporary feed folder, with a nuget.config that knows only that
/// folder and an isolated dotnet new template hive. Removed, folder and all, after the tests.</summary>
public sealed class PackedHerald : IAsyncLifetime
{
    /// <summary>How long one dotnet command may take on a loaded two-core machine.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Gets the repository's root, where Herald.slnx is.</summary>
    public string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Gets the temporary folder everything of these tests goes in.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"herald-packaging-{Guid.NewGuid():N}");

    /// <summary>Gets the feed folder eng/pack.sh wrote.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>Gets the dotnet new settings folder of these tests; the user's own templates are left alone.</summary>
    public string TemplateHive => Path.Combine(Root, "hive");

    /// <summary>Gets the version eng/pack.sh packed.</summary>
    public string Version { get; private set; } = "";

    /// <summary>Gets what eng/pack.sh printed.</summary>
    public string PackOutput { get; private set; } = "";

    /// <summary>Gets the ids of the packages every pack must hold: each project in src/, and the templates.</summary>
    public IReadOnlyList<string> ExpectedPackages =>
        [.. Directory.GetDirectories(Path.Combine(RepositoryRoot, "src")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal), "Herald.Templates"];

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var configuration = typeof(PackedHerald).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var pack = await Command.RunAsync(
            "bash", [Path.Combine(RepositoryRoot, "eng", "pack.sh"), "--no-build", "--configuration", configuration, "--output", Feed], RepositoryRoot, CommandTimeout);
        PackOutput = pack.EnsureSuccess().Output;

        const string cli = "Herald.Cli.";
        var tool = Directory.GetFiles(Feed, cli + "*.nupkg").Select(Path.GetFileName).OfType<string>().Single();
        Version = tool[cli.Length..^".nupkg".Length];

        // Only the feed folder as a source; packages of other publishers come from the machine's package cache (the
        // repository's restore put them there) as a fallback folder, so the restore needs no network. Herald's own
        // packages go to a package folder of these tests: the cache may hold an older build under the same version.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="herald" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{cache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs dotnet in <paramref name="workingDirectory"/>, under <see cref="Root"/> so it reads the tests' nuget.config.</summary>
    public static Task<CommandResult> DotnetAsync(string workingDirectory, params string[] arguments) =>
        Command.RunAsync("dotnet", arguments, workingDirectory, CommandTimeout);

    /// <summary>Runs dotnet new against the tests' template hive.</summary>
    public Task<CommandResult> DotnetNewAsync(string workingDirectory, params string[] arguments) =>
        DotnetAsync(workingDirectory, ["new", .. arguments, "--debug:custom-hive", TemplateHive]);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Herald.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Herald.slnx above {AppContext.BaseDirectory}: these tests run from the repository's build output.");
    }
}
