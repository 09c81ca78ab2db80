using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Herald.Packaging.Tests;

/// <summary>What a finished command printed, and how it ended.</summary>
public sealed record CommandResult(string Description, int ExitCode, string Output)
{
    /// <summary>Fails the test, with everything the command printed, unless it exited 0.</summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            Assert.Fail($"{Description} exited {ExitCode}. Its output (stdout and stderr):\n{Output}");
        }

        return this;
    }
}

/// <summary>Runs the dotnet CLI and scripts as a user would, in an environment of their own.</summary>
public static class Command
{
    // Set by the dotnet test and MSBuild that run these tests; a nested dotnet build or test must find its own.
    private static readonly string[] InheritedPrefixes = ["MSBuild", "MSBUILD", "TESTINGPLATFORM_", "DOTNET_TEST", "VSTEST", "NUGET_PACKAGES"];

    /// <summary>Runs <paramref name="fileName"/> to its end or the timeout; a timeout fails the test with the output so far.</summary>
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        using var process = Start(fileName, arguments, workingDirectory, out var description, out var output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Fail($"{description} did not finish within {timeout.TotalSeconds:0} s. Its output so far:\n{Joined(output)}");
        }

        return new CommandResult(description, process.ExitCode, Joined(output));
    }

    /// <summary>Starts a long-running program, waits until its output contains every marker, then stops it.</summary>
    /// <returns>The output up to the stop.</returns>
    public static async Task<string> RunUntilAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyList<string> markers, TimeSpan timeout)
    {
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            foreach (var marker in markers.Where(m => line.Contains(m, StringComparison.Ordinal)))
            {
                seen[marker] = true;
            }

            if (seen.Count == markers.Count)
            {
                allSeen.TrySetResult();
            }
        }

        using var process = Start(fileName, arguments, workingDirectory, out var description, out var output, OnLine);
        var expected = string.Join(", ", markers.Select(m => $"'{m}'"));
        try
        {
            var exited = process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var first = await Task.WhenAny(allSeen.Task, exited, Task.Delay(timeout, TestContext.Current.CancellationToken));
            if (first == exited && !allSeen.Task.IsCompleted)
            {
                Assert.Fail($"{description} exited {process.ExitCode} before printing {expected}. Its output:\n{Joined(output)}");
            }

            if (!allSeen.Task.IsCompleted)
            {
                Assert.Fail($"{description} did not print {expected} within {timeout.TotalSeconds:0} s. Its output so far:\n{Joined(output)}");
            }

            return Joined(output);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static Process Start(string fileName, IEnumerable<string> arguments, string workingDirectory, out string description, out ConcurrentQueue<string> output, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in info.Environment.Keys.Where(key => InheritedPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        description = $"'{fileName} {string.Join(' ', info.ArgumentList)}' (in {workingDirectory})";
        var lines = new ConcurrentQueue<string>();
        output = lines;
        var process = new Process { StartInfo = info };
        void Receive(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
                onLine?.Invoke(line);
            }
        }

        process.OutputDataReceived += (_, e) => Receive(e.Data);
        process.ErrorDataReceived += (_, e) => Receive(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Joined(ConcurrentQueue<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }
}
