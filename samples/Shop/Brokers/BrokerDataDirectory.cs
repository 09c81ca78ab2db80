using Herald.Log;

namespace Shop.Brokers;

/// <summary>Keeps a second shop off a data directory that holds only the database, as the embedded log does for its own.</summary>
/// <remarks>On a broker nothing else locks the directory, and two shops sharing <c>shop.db</c> and the queues would
/// each see half of the other's events. The lock file exists only while a shop holds it: every exit path of the shop deletes it, and one
/// that a killed process left behind does not block the next run.</remarks>
internal static class BrokerDataDirectory
{
    /// <summary>The lock file's name in the data directory.</summary>
    public const string LockFileName = ".shop.lock";

    // What an open refused by another holder's lock reports in IOException.HResult (as Herald.Log's own lock checks):
    // EWOULDBLOCK on Linux and on macOS/BSD, ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows.
    private static readonly int[] LockConflictResults = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    /// <summary>Creates <paramref name="directory"/> if needed and locks it until the returned handle is disposed.</summary>
    /// <exception cref="LogDirectoryLockedException">Another process holds the directory.</exception>
    /// <exception cref="DataDirectoryException">The directory cannot be created, or its lock file cannot be written.</exception>
    public static IDisposable Lock(string directory)
    {
        var fullPath = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(fullPath);

            // FileShare.None is an exclusive advisory lock on Unix and a sharing lock on Windows; either way the
            // operating system releases it when this process dies, so a crash leaves at most the file, which the next
            // run opens and locks again. The returned handle deletes the file when disposed: on every exit path.
            var stream = new FileStream(Path.Combine(fullPath, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new BrokerDataDirectoryLock(stream);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException) && LockConflictResults.Contains(e.HResult))
        {
            throw new LogDirectoryLockedException(
                $"The data directory '{fullPath}' is in use by another Shop, which holds its {LockFileName} locked. Only one Shop may use a data directory at a time; stop the other one or choose another --data.",
                e);
        }
        catch (Exception e) when (DataDirectoryException.IsPathProblem(e))
        {
            throw DataDirectoryException.ForDirectory(fullPath, e);
        }
    }
}
