using Herald.Log;

namespace Shop.Brokers;

/// <summary>Keeps a second shop off a data directory that holds only the database, as the embedded log does for its own.</summary>
/// <remarks>On a broker nothing else locks the directory, and two shops sharing <c>shop.db</c> and the queues would
/// each see half of the other's events.</remarks>
internal static class BrokerDataDirectory
{
    private const string LockFileName = ".shop.lock";

    /// <summary>Creates <paramref name="directory"/> if needed and locks it until the returned handle is disposed.</summary>
    /// <exception cref="LogDirectoryLockedException">Another process holds the directory.</exception>
    public static IDisposable Lock(string directory)
    {
        var fullPath = Path.GetFullPath(directory);
        Directory.CreateDirectory(fullPath);
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix and a sharing lock on Windows; either way the
            // operating system releases it when this process dies, so a crash never leaves the directory locked.
            return new FileStream(Path.Combine(fullPath, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new LogDirectoryLockedException(fullPath, null, e);
        }
    }
}
