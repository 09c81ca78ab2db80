using System.Globalization;
using System.Text.Json;

namespace Herald.Log;

/// <summary>
/// The durable shape of every topic: one small file per topic in <c>__topics</c>, written and fsynced (directory
/// included) before the topic's partitions are created, so a crash part-way through creating a topic never leaves a
/// topic that later opens with fewer partitions.
/// </summary>
/// <remarks>
/// <para>
/// A file is <c>__topics/{topic}.json</c> holding <c>{"name":"orders","partitions":4}</c>; it is replaced atomically
/// (temporary file, fsync, rename, directory fsync). Only topics with a file exist: a directory of the data directory
/// that belongs to none is reported and skipped, never guessed at. A deleted topic's file is renamed to
/// <c>{topic}.deleted</c> until its files are gone (see <see cref="TopicDeletion"/>).
/// </para>
/// <para>
/// A data directory written before topics had files has no <c>__topics</c>: its topics are inferred once from the
/// partition directories (numbered 0 to n-1 without gaps) and their files written together, through a temporary
/// directory renamed into place, so a crash leaves either no catalog (inferred again) or the whole of it.
/// </para>
/// </remarks>
internal static class TopicCatalog
{
    /// <summary>The catalog's directory inside the data directory.</summary>
    public const string DirectoryName = "__topics";

    private const string Extension = ".json";
    private const string TemporarySuffix = ".tmp";

    /// <summary>Gets or sets a hook called at each durable step of creating a topic, for the crash tests.</summary>
    internal static Action<string>? Step { get; set; }

    /// <summary>Reads the catalog of <paramref name="dataDirectory"/>, inferring and (unless read-only) writing it for an older data directory.</summary>
    /// <param name="dataDirectory">The data directory, a full path.</param>
    /// <param name="readOnly">Whether nothing may be written.</param>
    /// <param name="damaged">Where topics whose file or directories are unusable are reported.</param>
    /// <returns>Each usable topic and its partition count.</returns>
    public static Dictionary<string, int> Load(string dataDirectory, bool readOnly, List<LogDamage> damaged)
    {
        var catalog = Path.Combine(dataDirectory, DirectoryName);
        if (!Directory.Exists(catalog))
        {
            var inferred = Infer(dataDirectory, damaged);
            if (!readOnly)
            {
                WriteAll(dataDirectory, inferred);
            }

            return inferred;
        }

        var topics = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(catalog))
        {
            var file = Path.GetFileName(path);
            if (file.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            {
                // A creation that crashed before its rename: the topic was never usable, and its partitions come after.
                if (!readOnly)
                {
                    File.Delete(path);
                }

                continue;
            }

            if (!file.EndsWith(Extension, StringComparison.Ordinal))
            {
                continue;
            }

            var stem = file[..^Extension.Length];
            try
            {
                topics.Add(stem, Parse(path, stem));
            }
            catch (LogCorruptedException exception)
            {
                damaged.Add(new LogDamage(stem, -1, path, -1, exception.Message));
            }
        }

        return topics;
    }

    /// <summary>Durably records that <paramref name="topic"/> has <paramref name="partitions"/> partitions.</summary>
    public static void Write(string dataDirectory, string topic, int partitions)
    {
        var catalog = Path.Combine(dataDirectory, DirectoryName);
        if (!Directory.Exists(catalog))
        {
            Directory.CreateDirectory(catalog);
            LogDirectory.Sync(dataDirectory);
        }

        var path = PathOf(dataDirectory, topic);
        WriteFile(path + TemporarySuffix, topic, partitions);
        Step?.Invoke("topic file written");
        File.Move(path + TemporarySuffix, path, overwrite: true);
        Step?.Invoke("topic file renamed");
        LogDirectory.Sync(catalog);
        Step?.Invoke("topic file durable");
    }

    /// <summary>Returns the path of <paramref name="topic"/>'s file in the catalog of <paramref name="dataDirectory"/>.</summary>
    public static string PathOf(string dataDirectory, string topic) => Path.Combine(dataDirectory, DirectoryName, topic + Extension);

    /// <summary>Returns whether <paramref name="name"/>, an entry of the data directory, belongs to the log itself rather than to a topic.</summary>
    /// <remarks>Hidden entries (a name starting with '.', such as the lock or the address file of a server holding the
    /// directory) are never topics.</remarks>
    public static bool IsOwnEntry(string name) =>
        name.StartsWith('.') || name is DirectoryName or DirectoryName + TemporarySuffix or DirectoryLock.FileName or Groups.CommittedOffsetStore.DirectoryName or LogRepair.RepairsDirectoryName;

    private static int Parse(string path, string stem)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var name = root.GetProperty("name").GetString();
            var partitions = root.GetProperty("partitions").GetInt32();
            if (name != stem || partitions is < 1 or > 10_000)
            {
                throw new LogCorruptedException(path, 0, $"the file names topic '{name}' with {partitions} partitions; it must name topic '{stem}' with 1 to 10000.");
            }

            return partitions;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new LogCorruptedException(path, 0, $"the topic file is not {{\"name\":\"{stem}\",\"partitions\":N}}: {exception.Message}");
        }
    }

    private static Dictionary<string, int> Infer(string dataDirectory, List<LogDamage> damaged)
    {
        var found = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateDirectories(dataDirectory))
        {
            var name = Path.GetFileName(path);
            var dash = name.LastIndexOf('-');
            if (IsOwnEntry(name) || dash <= 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                continue;
            }

            if (!found.TryGetValue(name[..dash], out var partitions))
            {
                found.Add(name[..dash], partitions = []);
            }

            partitions.Add(partition);
        }

        var topics = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (topic, partitions) in found)
        {
            if (partitions.Min == 0 && partitions.Max == partitions.Count - 1)
            {
                topics.Add(topic, partitions.Count);
            }
            else
            {
                damaged.Add(new LogDamage(topic, -1, Path.Combine(dataDirectory, $"{topic}-{partitions.Min}"), -1,
                    $"the data directory has partition directories {string.Join(", ", partitions)} of topic '{topic}' and no {DirectoryName} file saying how many it has; they must be numbered 0 to n-1 without gaps."));
            }
        }

        return topics;
    }

    private static void WriteAll(string dataDirectory, Dictionary<string, int> topics)
    {
        var temporary = Path.Combine(dataDirectory, DirectoryName + TemporarySuffix);
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Directory.CreateDirectory(temporary);
        foreach (var (topic, partitions) in topics)
        {
            WriteFile(Path.Combine(temporary, topic + Extension), topic, partitions);
        }

        LogDirectory.Sync(temporary);
        Directory.Move(temporary, Path.Combine(dataDirectory, DirectoryName));
        LogDirectory.Sync(dataDirectory);
    }

    private static void WriteFile(string path, string topic, int partitions)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", topic);
            writer.WriteNumber("partitions", partitions);
            writer.WriteEndObject();
        }

        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.Write(handle, buffer.WrittenSpan, 0);
        RandomAccess.FlushToDisk(handle);
    }
}
