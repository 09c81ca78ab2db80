namespace Shop.Brokers;

/// <summary>Holds the lock file of a data directory used on a broker, and deletes it when released.</summary>
internal sealed class BrokerDataDirectoryLock(FileStream stream) : IDisposable
{
    public void Dispose()
    {
        // On Unix the name goes first, while the lock is still held, so a shop that opens the path afterwards creates a
        // new file rather than locking this one as it is being closed. Windows refuses to delete a file open without
        // FileShare.Delete, so there it goes after the close.
        if (!OperatingSystem.IsWindows())
        {
            TryDelete();
        }

        stream.Dispose();
        if (OperatingSystem.IsWindows())
        {
            TryDelete();
        }
    }

    private void TryDelete()
    {
        try
        {
            File.Delete(stream.Name);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A lock file left behind blocks nothing (the next run locks it again): not worth failing a finished run.
        }
    }
}
