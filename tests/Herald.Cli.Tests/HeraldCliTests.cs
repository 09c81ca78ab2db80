using Herald.Log;

namespace Herald.Cli.Tests;

public sealed class HeraldCliTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Help_Root_DocumentsTheExitCodes()
    {
        var code = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Exit codes:", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("3    the data directory is locked", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("7    the broker (--transport rabbitmq|nats) cannot be reached", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("9    the data directory has damaged partitions", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("dlq", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("log", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dlq", "list", "--bogus")]
    [InlineData("dlq", "frobnicate")]
    [InlineData("dlq")]
    [InlineData("dlq", "show")]
    [InlineData("dlq", "list", "--since", "yesterday")]
    [InlineData("dlq", "list", "--until", "1/2/2026")]
    [InlineData("dlq", "list", "--limit", "0")]
    [InlineData("dlq", "list", "--limit", "ten")]
    [InlineData("dlq", "list", "--since", "1h", "--until", "2h")]
    [InlineData("dlq", "list", "--data", "")]
    [InlineData("log", "repair")]
    [InlineData("log", "repair", "--partition", "orders-x", "--yes")]
    [InlineData("log", "repair", "--partition", "orders-0")]
    public async Task Run_BadCommandLine_ExitsTwoWithOneLineOnStderr(params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_cli.Output);
        var line = Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("herald: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingDataDirectory_ExitsFourAndDoesNotCreateIt()
    {
        var missing = Path.Combine(_cli.DataDirectory, "nope");

        var code = await _cli.RunAsync("dlq", "list", "--data", missing, "--json");

        Assert.Equal(ExitCodes.NoDataDirectory, code);
        Assert.Empty(_cli.Output);
        Assert.Equal($"herald: data directory '{missing}' does not exist (set --data or HERALD_DATA).", _cli.Error.TrimEnd());
        Assert.False(Directory.Exists(missing));
        Assert.Empty(_cli.OpenedDirectories);
    }

    [Fact]
    public async Task Run_DirectoryWithoutLockFile_ExitsFour()
    {
        var plain = Path.Combine(_cli.DataDirectory, "plain");
        Directory.CreateDirectory(plain);

        var code = await _cli.RunAsync("dlq", "list", "--data", plain);

        Assert.Equal(ExitCodes.NoDataDirectory, code);
        Assert.Contains("is not a Herald data directory", _cli.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(plain));
    }

    [Fact]
    public async Task Run_LockedDataDirectory_ExitsThreeNamingDirectoryAndPid()
    {
        _cli.Open = (directory, _) => throw new LogDirectoryLockedException(directory, 4242);

        var code = await _cli.RunAsync("dlq", "redrive", "--all", "--yes");

        Assert.Equal(ExitCodes.DataDirectoryLocked, code);
        Assert.Equal(
            $"herald: data directory '{_cli.DataDirectory}' is locked by process 4242, which is writing to it: herald reads a data directory only while no process writes it; stop the application and retry.",
            _cli.Error.TrimEnd());
    }

    [Fact]
    public async Task Run_OpenFailsWithAnIOError_ExitsOneWithOneLineNamingTheDirectory()
    {
        _cli.Open = (_, _) => throw new IOException("disk on fire\nsecond line");

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.UnexpectedError, code);
        Assert.Empty(_cli.Output);
        Assert.Equal($"herald: cannot open data directory '{_cli.DataDirectory}': disk on fire second line", _cli.Error.TrimEnd());
    }
}
