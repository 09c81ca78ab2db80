using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Herald.Cli.Tests;

/// <summary>Reads and damages the files of a data directory byte by byte, and fingerprints all of them.</summary>
internal static class DataDirectoryFiles
{
    /// <summary>Returns every entry under <paramref name="directory"/>, relative, with the SHA-256 of each file's bytes.</summary>
    public static SortedDictionary<string, string> Snapshot(string directory)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, path);
            entries[relative] = Directory.Exists(path) ? "directory" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }

        return entries;
    }

    /// <summary>Fails naming <paramref name="what"/> and every path that was added, removed or changed.</summary>
    public static void AssertUnchanged(SortedDictionary<string, string> before, string directory, string what)
    {
        var after = Snapshot(directory);
        var changed = before.Keys.Union(after.Keys)
            .Where(path => !before.TryGetValue(path, out var hash) || !after.TryGetValue(path, out var now) || hash != now)
            .Select(path => $"{path} ({(before.ContainsKey(path) ? after.ContainsKey(path) ? "changed" : "removed" : "added")})")
            .ToList();
        Assert.True(changed.Count == 0, $"{what} changed the data directory: {string.Join(", ", changed)}");
    }

    /// <summary>Returns the last segment file of a partition directory.</summary>
    public static string LastSegment(string dataDirectory, string partition) =>
        Directory.GetFiles(Path.Combine(dataDirectory, partition), "*.log").Order(StringComparer.Ordinal).Last();

    /// <summary>Returns where each record batch of a segment starts and how long it is (Kafka framing: length at byte 8, big-endian).</summary>
    public static List<(long Start, int Size)> Batches(string segment)
    {
        var bytes = File.ReadAllBytes(segment);
        var batches = new List<(long Start, int Size)>();
        for (var position = 0; position + 12 <= bytes.Length;)
        {
            var size = 12 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position + 8));
            batches.Add((position, size));
            position += size;
        }

        return batches;
    }

    /// <summary>Cuts <paramref name="bytes"/> off the end of <paramref name="file"/>, as a crash mid-write leaves it.</summary>
    public static void CutTail(string file, int bytes)
    {
        using var stream = File.Open(file, FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength(stream.Length - bytes);
    }

    /// <summary>Inverts every bit of <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="position"/>.</summary>
    public static void FlipBytes(string file, long position, int count)
    {
        var bytes = File.ReadAllBytes(file);
        for (var i = 0; i < count; i++)
        {
            bytes[position + i] ^= 0xFF;
        }

        File.WriteAllBytes(file, bytes);
    }

    /// <summary>Inverts one bit of <paramref name="file"/> at <paramref name="position"/>.</summary>
    public static void FlipBit(string file, long position)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[position] ^= 0x10;
        File.WriteAllBytes(file, bytes);
    }
}
