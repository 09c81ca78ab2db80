using System.Diagnostics.CodeAnalysis;
using Herald.Log;

namespace Shop;

/// <summary>Deletes the embedded log's data directory for <c>--fresh</c>, only when it is a Herald data directory no one uses.</summary>
internal static class ShopDataDirectory
{
    // The file the log locks in every data directory it opens (see LogDirectoryLockedException).
    private const string LockFileName = ".lock";

    /// <summary>Deletes <paramref name="directory"/> and everything in it; a missing directory is already fresh.</summary>
    /// <param name="directory">The data directory.</param>
    /// <param name="deleted">Whether there was a directory to delete.</param>
    /// <param name="error">Why not, when the method returns false.</param>
    /// <returns>False, with <paramref name="error"/> saying why, when the directory is not a Herald data directory.</returns>
    /// <exception cref="LogDirectoryLockedException">Another process, or another log in this one, has the directory open.</exception>
    /// <exception cref="DataDirectoryException">The file system refused to list or delete the directory.</exception>
    public static bool TryDelete(string directory, out bool deleted, [NotNullWhen(false)] out string? error)
    {
        var fullPath = Path.GetFullPath(directory);
        deleted = false;
        error = null;
        if (!Directory.Exists(fullPath))
        {
            // A file in its place is left alone: opening the log reports it.
            return true;
        }

        try
        {
            // A typo such as --data . must not wipe an unrelated directory: every data directory holds the lock file.
            if (!File.Exists(Path.Combine(fullPath, LockFileName)) && Directory.EnumerateFileSystemEntries(fullPath).Any())
            {
                error = $"--fresh would delete '{fullPath}', which is not a Herald data directory (it has no {LockFileName} file); delete it yourself or choose another --data";
                return false;
            }

            // Opening the log proves no one else holds the directory (and throws naming the holder when one does). A
            // process starting between this check and the delete would lose its directory: --fresh is for when nothing
            // else runs.
            try
            {
                EventLog.Open(fullPath).Dispose();
            }
            catch (LogCorruptedException)
            {
                // The log took the lock before it found the corruption, so no one holds it; starting fresh is the cure.
            }

            Directory.Delete(fullPath, recursive: true);
        }
        catch (Exception exception) when (DataDirectoryException.IsPathProblem(exception))
        {
            throw DataDirectoryException.ForDirectory(fullPath, exception);
        }

        deleted = true;
        return true;
    }
}
