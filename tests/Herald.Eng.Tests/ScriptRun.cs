using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Eng.Tests;

/// <summary>The outcome of one run of a script under eng/.</summary>
internal sealed record ScriptResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public string Output => StandardOutput + StandardError;

    public string LastLine => StandardOutput.TrimEnd().Split('\n')[^1];

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n{Output}";
}

/// <summary>Runs the repository's eng/ scripts with an environment of the test's own.</summary>
internal static class ScriptRun
{
    public static string Root { get; } = FindRoot();

    /// <summary>Runs <paramref name="script"/> with bash; a variable set to null is removed from the inherited environment.</summary>
    public static Task<ScriptResult> RunAsync(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout) =>
        RunProcessAsync("bash", [Path.Combine(Root, script), .. arguments], Root, environment, timeout);

    /// <summary>Runs <paramref name="fileName"/> in <paramref name="workingDirectory"/>; a variable set to null is removed from the inherited environment.</summary>
    public static async Task<ScriptResult> RunProcessAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', start.ArgumentList)} did not end within {timeout.TotalSeconds} s.");
        }

        return new ScriptResult(process.ExitCode, await output, await errors, stopwatch.Elapsed);
    }

    /// <summary>Returns a loopback port that nothing listened on a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Herald.slnx")))
        {
            directory = Path.GetDirectoryName(directory.TrimEnd(Path.DirectorySeparatorChar));
        }

        return directory ?? throw new InvalidOperationException($"No Herald.slnx above {AppContext.BaseDirectory}.");
    }
}
