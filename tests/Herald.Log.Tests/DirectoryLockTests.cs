using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Herald.Log.Tests;

public sealed class DirectoryLockTests : IDisposable
{
    // Set for a child process started by these tests: this test assembly then runs as a lock holder instead of
    // running tests, so the tests need no separate probe program and the child is always built from the same code.
    private const string HolderVariable = "HERALD_TEST_LOCK_HOLDER_DIRECTORY";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Acquire_MissingDirectory_CreatesItAndWritesThePid()
    {
        var directory = Path.Combine(_directory, "data", "log");

        using var directoryLock = DirectoryLock.Acquire(directory);

        Assert.Equal((directory, Path.Combine(directory, DirectoryLock.FileName)), (directoryLock.Directory, directoryLock.LockPath));
        Assert.True(File.Exists(directoryLock.LockPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ReadLockFileUnlocked(directory));
        }
    }

    [Fact]
    public async Task Acquire_TwiceInOneProcess_ThrowsNamingTheDirectoryAndThisProcess()
    {
        using var first = DirectoryLock.Acquire(_directory);

        var exception = Assert.Throws<LogDirectoryLockedException>(() => DirectoryLock.Acquire(_directory));

        // The failed attempt closed its own descriptor of the lock file; the first lock must survive that.
        using var other = Holder.Start(_directory);
        Assert.Equal($"busy {Environment.ProcessId}", await other.ReadLineAsync());

        Assert.Equal(_directory, exception.Directory);
        Assert.Contains($"'{_directory}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("choose another directory", exception.Message, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(Environment.ProcessId, exception.HolderProcessId);
            Assert.Contains($"already open in this process (pid {Environment.ProcessId})", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dispose_ThenAcquire_Succeeds()
    {
        DirectoryLock.Acquire(_directory).Dispose();

        using var again = DirectoryLock.Acquire(_directory);

        Assert.True(File.Exists(again.LockPath));
    }

    [Fact]
    public async Task Acquire_WhileAnotherProcessHoldsIt_ThrowsNamingTheHolder()
    {
        using var holder = await StartHolderAsync(_directory);

        var exception = Assert.Throws<LogDirectoryLockedException>(() => DirectoryLock.Acquire(_directory));

        Assert.Equal(_directory, exception.Directory);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(holder.Process.Id, exception.HolderProcessId);
            Assert.Equal(
                $"The Herald log directory '{_directory}' is in use by another process (pid {holder.Process.Id}). Only one process may open a data directory at a time; stop the other process or choose another directory.",
                exception.Message);
            Assert.Equal(holder.Process.Id.ToString(CultureInfo.InvariantCulture), ReadLockFileUnlocked(exception.Directory!));
        }
    }

    [Fact]
    public async Task Acquire_InAnotherProcessWhileThisOneHoldsIt_FailsThere()
    {
        using var directoryLock = DirectoryLock.Acquire(_directory);

        using var other = Holder.Start(_directory);
        var line = await other.ReadLineAsync();

        Assert.Equal($"busy {Environment.ProcessId}", line);
        await other.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(3, other.Process.ExitCode);
    }

    [Fact]
    public async Task Acquire_AfterTheHolderWasKilled_Succeeds()
    {
        using (var holder = await StartHolderAsync(_directory))
        {
            Assert.Throws<LogDirectoryLockedException>(() => DirectoryLock.Acquire(_directory));

            // Process.Kill sends SIGKILL on Unix: the holder runs no cleanup, only the kernel closes its files.
            holder.Process.Kill();
            await holder.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }

        using var directoryLock = DirectoryLock.Acquire(_directory);
        Assert.True(File.Exists(directoryLock.LockPath));
    }

    [Fact]
    public async Task Acquire_AfterTheHolderDisposedIt_Succeeds()
    {
        using var holder = await StartHolderAsync(_directory);

        await holder.Process.StandardInput.WriteLineAsync("release");
        Assert.Equal("released", await holder.ReadLineAsync());

        using var directoryLock = DirectoryLock.Acquire(_directory);
        Assert.True(File.Exists(directoryLock.LockPath));
    }

    [Fact]
    public async Task Acquire_WithFileLockingDisabled_RefusesToRunUnprotected()
    {
        using var holder = Holder.Start(_directory, disableFileLocking: true);

        var line = await holder.ReadLineAsync();

        Assert.StartsWith("error IOException: File locking is not enforced", line, StringComparison.Ordinal);
        Assert.Contains("DOTNET_SYSTEM_IO_DISABLEFILELOCKING", line, StringComparison.Ordinal);
    }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The test assembly is an application; this is its entry point when a test starts it as a lock holder.")]
    internal static void RunAsLockHolderWhenAsked()
    {
        var directory = Environment.GetEnvironmentVariable(HolderVariable);
        if (directory is not null)
        {
            Environment.Exit(HoldLock(directory));
        }
    }

    // The holder's protocol on stdout: "locked <pid>", then "released" after "release" on stdin; or "busy <holder pid>"
    // (exit code 3) when the directory is locked, or "error <type>: <message>" (exit code 4).
    private static int HoldLock(string directory)
    {
        try
        {
            var directoryLock = DirectoryLock.Acquire(directory);
            Console.WriteLine($"locked {Environment.ProcessId}");
            while (Console.ReadLine() is { } command)
            {
                if (command == "release")
                {
                    directoryLock.Dispose();
                    Console.WriteLine("released");
                }
            }

            return 0;
        }
        catch (LogDirectoryLockedException exception)
        {
            Console.WriteLine($"busy {exception.HolderProcessId}");
            return 3;
        }
        catch (Exception exception)
        {
            Console.WriteLine($"error {exception.GetType().Name}: {exception.Message}");
            return 4;
        }
    }

    private static async Task<Holder> StartHolderAsync(string directory)
    {
        var holder = Holder.Start(directory);
        var line = await holder.ReadLineAsync();
        Assert.Equal($"locked {holder.Process.Id}", line);
        return holder;
    }

    // .NET cannot open the file while another process holds the lock; cat takes no lock, like an operator's shell.
    private static string ReadLockFileUnlocked(string directory)
    {
        using var cat = Process.Start(new ProcessStartInfo("cat", Path.Combine(directory, DirectoryLock.FileName)) { RedirectStandardOutput = true })!;
        var content = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return content.Trim();
    }

    private sealed class Holder : IDisposable
    {
        private Holder(Process process) => Process = process;

        public Process Process { get; }

        public static Holder Start(string directory, bool disableFileLocking = false)
        {
            var assembly = typeof(DirectoryLockTests).Assembly.Location;
            var appHost = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
            var start = File.Exists(appHost) ? new ProcessStartInfo(appHost) : new ProcessStartInfo("dotnet", ["exec", assembly]);
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            start.Environment[HolderVariable] = directory;
            if (disableFileLocking)
            {
                start.Environment["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = "1";
            }

            return new Holder(Process.Start(start)!);
        }

        public async Task<string?> ReadLineAsync() =>
            await Process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit(Timeout);
            }

            Process.Dispose();
        }
    }
}
