using System.Diagnostics;

namespace Herald.Server.Tests.Broker;

/// <summary>Runs Debian's kcat (librdkafka), a Kafka client that knows nothing of Herald.</summary>
internal static class Kcat
{
    private const string Path = "/usr/bin/kcat";

    /// <summary>Runs kcat against <paramref name="bootstrap"/>, feeding <paramref name="input"/>; returns the exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string bootstrap, string? input, params string[] arguments)
    {
        Assert.True(File.Exists(Path), "kcat is not installed: run eng/kafka-clients.sh (as root it installs Debian's kcat).");
        var timeout = TimeSpan.FromSeconds(30);
        var start = new ProcessStartInfo(Path, ["-b", bootstrap, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var error = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kcat {string.Join(' ', arguments)} did not end within {timeout.TotalSeconds} s");
        }

        return (process.ExitCode, await output, await error);
    }
}
