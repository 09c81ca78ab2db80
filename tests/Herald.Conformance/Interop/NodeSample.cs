using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Herald.Conformance.Restarts;

namespace Herald.Conformance.Interop;

/// <summary>Runs the JavaScript producer and consumer in <c>samples/interop/js</c> with node and reads the JSON lines it prints.</summary>
/// <remarks>
/// The sample needs node on the <c>PATH</c> and its packages installed by <c>eng/interop.sh</c>. Without them a test
/// skips with a message naming that script, and fails instead when <c>CI=true</c>: a CI run must not pass without having
/// checked that a foreign client can talk to Herald.
/// </remarks>
public static class NodeSample
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Gets the sample's directory.</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "samples", "interop", "js");

    /// <summary>Skips the test (fails it when <c>CI=true</c>) unless node and the sample's packages are installed.</summary>
    public static void Require()
    {
        Require(FindNode() is not null,
            "node is not on the PATH: the JavaScript interop sample cannot run. Run `eng/interop.sh` (as root it installs node and npm).");
        Require(System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "amqplib")) &&
            System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "kafkajs")) &&
            System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "nats")),
            $"The JavaScript interop sample's packages are not installed in {Directory}. Run `eng/interop.sh`.");
    }

    /// <summary>Runs the sample to its end and returns every line it printed; fails the test when it exits non-zero.</summary>
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        await using var run = Start(arguments);
        return await run.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Starts the sample; read its lines as it prints them with <see cref="NodeRun.ReadLineAsync"/>.</summary>
    public static NodeRun Start(IEnumerable<string> arguments)
    {
        Require();
        var start = new ProcessStartInfo(FindNode()!)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("interop.js");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new NodeRun(Process.Start(start) ?? throw new InvalidOperationException("node did not start."), RunTimeout);
    }

    private static void Require([DoesNotReturnIf(false)] bool met, string reason)
    {
        if (met)
        {
            return;
        }

        if (RestartPrerequisites.FailsInsteadOfSkipping(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(reason + " CI=true: the interop tests never skip there.");
        }

        Assert.Skip(reason);
    }

    private static string? FindNode()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, OperatingSystem.IsWindows() ? "node.exe" : "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Herald.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Herald.slnx above {AppContext.BaseDirectory}: the tests run outside the repository.");
    }
}
