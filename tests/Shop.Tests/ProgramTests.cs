using System.Diagnostics;

namespace Shop.Tests;

/// <summary>Runs the shop's executable as a user would, to see all it writes: logs and unhandled exceptions included.</summary>
public sealed class ProgramTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Main_DamagedPartition_ExitsDegradedWithOneLineAndNoStackTrace()
    {
        Assert.Equal(ShopApplication.Done, await ShopApplication.RunAsync(["--data", _data.DataDirectory, "--orders", "50"], TextWriter.Null, TextWriter.Null));
        var (partition, file, position) = SegmentDamage.FlipBytesInTheSecondBatch(_data.DataDirectory, "order.created");

        var (exitCode, output, errors) = await RunShopAsync("--data", _data.DataDirectory, "--orders", "20");

        Assert.Equal(ShopApplication.Degraded, exitCode);
        var line = Assert.Single(Lines(errors), l => !IsProgress(l));
        Assert.Contains($"partition order.created-{partition} is damaged at byte {position} of '{file}'", line, StringComparison.Ordinal);
        Assert.EndsWith($"herald log repair --data {_data.DataDirectory} --partition order.created-{partition}", line, StringComparison.Ordinal);
        Assert.StartsWith("Herald Shop on EmbeddedLogTransport: degraded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_DataDirectoryThatCannotBeCreated_ExitsWithOneLine()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc, where no directory can be created, is Linux's.");

        var (exitCode, output, errors) = await RunShopAsync("--data", "/proc/nope", "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryUnusable, exitCode);
        Assert.StartsWith("Shop: cannot use the data directory '/proc/nope': ", Assert.Single(Lines(errors)), StringComparison.Ordinal);
        Assert.Empty(output);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // The progress line every 5 s, which a slow machine may reach.
    private static bool IsProgress(string line) => line.StartsWith('[');

    private static async Task<(int ExitCode, string Output, string Errors)> RunShopAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Shop.exe" : "Shop"), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await errors);
    }
}
