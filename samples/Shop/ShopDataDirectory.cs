using System.Diagnostics.CodeAnalysis;
using Herald.Log;
using Shop.Storage;

namespace Shop;

/// <summary>Empties the embedded log's data directory for <c>--fresh</c>: deletes what the log and the shop created in
/// it, only when it is a Herald data directory no one uses, and keeps everything else.</summary>
internal static class ShopDataDirectory
{
    // The file the log locks in every data directory it opens (see LogDirectoryLockedException).
    private const string LockFileName = ".lock";

    /// <summary>Deletes what the log and the shop created in <paramref name="directory"/>, and the directory itself
    /// when nothing else is left; a missing directory is already fresh.</summary>
    /// <param name="directory">The data directory.</param>
    /// <param name="deleted">Whether there was anything to delete.</param>
    /// <param name="kept">The entries the log and the shop did not create, left where they are (names, sorted).</param>
    /// <param name="error">Why not, when the method returns false.</param>
    /// <returns>False, with <paramref name="error"/> saying why, when the directory is not a Herald data directory.</returns>
    /// <exception cref="LogDirectoryLockedException">Another process, or another log in this one, has the directory open.</exception>
    /// <exception cref="DataDirectoryException">The file system refused to list or delete the directory.</exception>
    public static bool TryDelete(string directory, out bool deleted, out IReadOnlyList<string> kept, [NotNullWhen(false)] out string? error)
    {
        var fullPath = Path.GetFullPath(directory);
        deleted = false;
        kept = [];
        error = null;
        if (!Directory.Exists(fullPath))
        {
            // A file in its place is left alone: opening the log reports it.
            return true;
        }

        try
        {
            // A typo such as --data . must not touch an unrelated directory: every data directory holds the lock file.
            if (!File.Exists(Path.Combine(fullPath, LockFileName)) && Directory.EnumerateFileSystemEntries(fullPath).Any())
            {
                error = $"--fresh would delete '{fullPath}', which is not a Herald data directory (it has no {LockFileName} file); delete it yourself or choose another --data";
                return false;
            }

            kept = [.. ForeignEntries(fullPath).Order(StringComparer.Ordinal)];
            var foreign = kept.ToHashSet(StringComparer.Ordinal);
            foreach (var entry in Directory.EnumerateFileSystemEntries(fullPath).ToList())
            {
                if (!foreign.Contains(Path.GetFileName(entry)))
                {
                    Delete(entry);
                    deleted = true;
                }
            }

            if (kept.Count == 0)
            {
                Directory.Delete(fullPath);
                deleted = true;
            }
        }
        catch (Exception exception) when (DataDirectoryException.IsPathProblem(exception))
        {
            throw DataDirectoryException.ForDirectory(fullPath, exception);
        }

        return true;
    }

    // What the log does not recognise as its own (its catalog, offsets, repairs, lock and its topics' partition
    // directories), minus the shop's database files. Anything else a user put there is theirs.
    private static IEnumerable<string> ForeignEntries(string fullPath)
    {
        IReadOnlyList<string> skipped;
        try
        {
            // Opening the log proves no one else holds the directory (and throws naming the holder when one does). A
            // process starting between this check and the delete would lose its data: --fresh is for when nothing
            // else runs.
            using var log = EmbeddedLog.Open(fullPath);
            skipped = log.SkippedEntries;
        }
        catch (LogCorruptedException)
        {
            // The log took the lock before it found the corruption, so no one holds it; starting fresh is the cure. It
            // did not say which entries are its own, so the catalog decides: the topics it names, as the log would.
            skipped = [.. Directory.EnumerateFileSystemEntries(fullPath).Where(path => !IsLogEntryByName(fullPath, Path.GetFileName(path)))];
        }

        return skipped.Select(path => Path.GetFileName(path)).Where(name => !ShopDatabase.IsOwnFile(name) && name != Brokers.BrokerDataDirectory.LockFileName);
    }

    // Without an opened log: the log's own entries, and directories named <topic>-<partition> for a topic in the catalog.
    private static bool IsLogEntryByName(string fullPath, string name)
    {
        if (name is LockFileName or "__groups" or "__repairs" || name.StartsWith("__topics", StringComparison.Ordinal))
        {
            return true;
        }

        var dash = name.LastIndexOf('-');
        return dash > 0
            && name.Length > dash + 1
            && name[(dash + 1)..].All(char.IsAsciiDigit)
            && File.Exists(Path.Combine(fullPath, "__topics", name[..dash] + ".json"));
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}
