using System.Diagnostics;

namespace Herald.Cli.Tests;

/// <summary>The installed tool's own process, run against real data directories: exit codes, stderr and every byte on disk.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-cli-process-" + Guid.NewGuid().ToString("N"));

    public ProgramTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("dlq list")]
    [InlineData("dlq redrive --all --yes")]
    [InlineData("log")]
    [InlineData("log repair --partition orders-0 --yes")]
    public async Task Main_DataIsMissingOrAFile_OneLineAndExitFourWithoutAStackTrace(string command)
    {
        var file = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(file, "not a log", TestContext.Current.CancellationToken);

        foreach (var path in new[] { "/proc/nope", file })
        {
            var (code, output, error) = await RunAsync([.. command.Split(' '), "--data", path]);

            Assert.Equal(ExitCodes.NoDataDirectory, code);
            Assert.Empty(output);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("herald: ", line, StringComparison.Ordinal);
            Assert.Contains(path, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Main_DlqListAndLogOnATornTail_WarnAndLeaveEveryByte()
    {
        await SeededDataDirectory.WriteAsync(_directory);
        var segment = DataDirectoryFiles.LastSegment(_directory, SeededDataDirectory.DeadLetterPartition);
        var last = DataDirectoryFiles.Batches(segment)[^1];
        DataDirectoryFiles.CutTail(segment, 5);
        var before = DataDirectoryFiles.Snapshot(_directory);

        var (code, output, error) = await RunAsync("dlq", "list", "--data", _directory);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("9 dead letters", output, StringComparison.Ordinal);
        Assert.Contains($"herald: warning: torn tail in '{segment}' at byte {last.Start}: {last.Size - 5} bytes never acknowledged", error, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _directory, "herald dlq list");

        (code, output, _) = await RunAsync("log", "--data", _directory);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains($"'{segment}' at byte {last.Start}: {last.Size - 5} bytes", output, StringComparison.Ordinal);
        DataDirectoryFiles.AssertUnchanged(before, _directory, "herald log");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Herald.Cli.exe" : "Herald.Cli"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("HERALD_DATA");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
