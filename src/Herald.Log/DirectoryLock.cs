using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Herald.Log;

/// <summary>Holds a data directory exclusively for this process, through an exclusive lock on its <c>.lock</c> file.</summary>
/// <remarks>
/// <para>
/// The lock is the one .NET takes for <see cref="FileShare.None"/>: <c>flock(LOCK_EX | LOCK_NB)</c> on Unix, a share
/// mode on Windows. It belongs to the open file, not to the path, so a second open fails in another process and in
/// this one alike, and the kernel drops it when the file is closed or the process dies, SIGKILL included: a lock file
/// left behind by a crash never blocks a restart, which is why <see cref="Dispose"/> leaves the file in place.
/// Deleting it would let a process that opened the old file lock it while another locks a new one.
/// </para>
/// <para>
/// The holder's process id is written into the file for whoever runs <c>cat .lock</c>. .NET cannot read it back while
/// the lock is held (every .NET open asks for at least a shared lock), so a refused caller finds the holder through
/// <c>/proc</c> instead, on Linux.
/// </para>
/// </remarks>
internal sealed class DirectoryLock : IDisposable
{
    /// <summary>The name of the lock file inside the data directory.</summary>
    public const string FileName = ".lock";

    // What an open refused by another holder's lock reports in IOException.HResult: EWOULDBLOCK on Linux and on
    // macOS/BSD, ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows.
    private static readonly int[] LockConflictResults = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    private readonly SafeFileHandle _handle;

    private DirectoryLock(string directory, string lockPath, SafeFileHandle handle)
    {
        Directory = directory;
        LockPath = lockPath;
        _handle = handle;
    }

    /// <summary>Gets the full path of the locked data directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the full path of the lock file.</summary>
    public string LockPath { get; }

    /// <summary>Creates <paramref name="directory"/> when missing and locks it for this process until disposed.</summary>
    /// <param name="directory">The data directory.</param>
    /// <param name="shared">
    /// <see langword="true"/> for a read-only open: a shared lock that other shared locks may join and that keeps a
    /// writer out; the directory and its lock file must exist, and nothing is written.
    /// </param>
    /// <exception cref="LogDirectoryLockedException">Another process, or another open in this one, holds the directory.</exception>
    /// <exception cref="IOException">The lock file cannot be created, or the file system does not enforce the lock.</exception>
    public static DirectoryLock Acquire(string directory, bool shared = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var fullPath = Path.GetFullPath(directory);
        if (!shared)
        {
            System.IO.Directory.CreateDirectory(fullPath);
        }

        var lockPath = Path.Combine(fullPath, FileName);
        SafeFileHandle handle;
        try
        {
            // .NET takes flock(LOCK_SH) for a handle that shares reading and LOCK_EX for one that shares nothing.
            handle = shared
                ? File.OpenHandle(lockPath, FileMode.Open, FileAccess.Read, FileShare.Read)
                : File.OpenHandle(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception) when (IsLockConflict(exception))
        {
            throw new LogDirectoryLockedException(fullPath, FindHolder(lockPath), exception);
        }

        try
        {
            EnsureEnforced(lockPath, shared);
            if (shared)
            {
                return new DirectoryLock(fullPath, lockPath, handle);
            }

            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, pid, 0);
            return new DirectoryLock(fullPath, lockPath, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Releases the directory by closing the lock file, which stays on disk.</summary>
    public void Dispose() => _handle.Dispose();

    private static bool IsLockConflict(IOException exception) =>
        exception.GetType() == typeof(IOException) && LockConflictResults.Contains(exception.HResult);

    // .NET ignores flock errors other than EWOULDBLOCK (a file system without flock support) and skips locking when
    // DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set; either way the lock would be silently void, so probe it. Closing the
    // probe keeps our lock: a flock belongs to the open file description, unlike an fcntl lock, which any close drops.
    private static void EnsureEnforced(string lockPath, bool shared)
    {
        try
        {
            // An exclusive lock is probed with a shared open and a shared lock with an exclusive one: each must conflict.
            using var probe = shared
                ? File.OpenHandle(lockPath, FileMode.Open, FileAccess.Read, FileShare.None)
                : File.OpenHandle(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException exception) when (IsLockConflict(exception))
        {
            return;
        }

        throw new IOException(
            $"File locking is not enforced for '{lockPath}', so Herald cannot keep a second process out of the log directory. " +
            "Unset DOTNET_SYSTEM_IO_DISABLEFILELOCKING (and the System.IO.DisableFileLocking runtime setting), or put the log on a file system that supports flock.");
    }

    // Finds a process holding the flock on lockPath (a writer's, or a reader's shared one): /proc/locks lists the pids holding FLOCK locks, and the holder
    // is the one with an open descriptor on the file. Best effort: any failure only loses the pid from the message.
    private static int? FindHolder(string lockPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var pid in FlockHolders())
            {
                if (HasOpen(pid, lockPath))
                {
                    return pid;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    // Lines read "1: FLOCK  ADVISORY  WRITE 1234 fd:00:5678 0 EOF"; a waiter's line has "->" after the number.
    private static List<int> FlockHolders() =>
        File.ReadLines("/proc/locks")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 4 && fields[1] == "FLOCK" && fields[3] is "WRITE" or "READ")
            .Select(fields => int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Distinct()
            .ToList();

    private static bool HasOpen(int pid, string path)
    {
        try
        {
            return new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Any(fd => fd.LinkTarget == path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process exited, or belongs to another user.
            return false;
        }
    }
}
