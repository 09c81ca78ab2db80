using System.Globalization;

namespace Herald.Log;

/// <summary>
/// Deletes a topic from the data directory so that a crash at any point leaves, for every later open, the whole topic or
/// none of it: one durable rename decides, and what follows it is finished by whoever finds it unfinished.
/// </summary>
/// <remarks>
/// <para>The steps, each durable before the next:</para>
/// <list type="number">
/// <item><description>The topic's catalog file <c>__topics/{topic}.json</c> is renamed to <c>__topics/{topic}.deleted</c>
/// and <c>__topics</c> is fsynced. This is the commit point: a topic exists only with a catalog file, so from here no open
/// sees it, and the marker says that its leftovers are garbage.</description></item>
/// <item><description>Every consumer group's committed offsets on the topic are removed (each group's file replaced
/// atomically, see <see cref="Groups.CommittedOffsetStore"/>).</description></item>
/// <item><description>Every partition directory <c>{topic}-{n}</c> is deleted with its files, then the data directory is
/// fsynced: a power cut must not bring a directory back once its marker is gone, or a topic created again with the name
/// would find the old segments.</description></item>
/// <item><description>The marker is deleted and <c>__topics</c> fsynced.</description></item>
/// </list>
/// <para>
/// Steps 2 to 4 can be repeated at will. A writable open finishes them for every marker before it reads the catalog;
/// a read-only open changes nothing: the topic is absent, its directories are neither opened nor reported as skipped, and
/// its committed offsets are hidden. A topic is created again only once its marker is gone.
/// </para>
/// </remarks>
internal static class TopicDeletion
{
    /// <summary>The extension of a deleted topic's marker in the catalog directory.</summary>
    public const string MarkerExtension = ".deleted";

    /// <summary>Commits the deletion of <paramref name="topic"/>: renames its catalog file to the marker, durably.</summary>
    public static void Commit(string dataDirectory, string topic, Action<string>? step)
    {
        var catalog = Path.Combine(dataDirectory, TopicCatalog.DirectoryName);
        var file = TopicCatalog.PathOf(dataDirectory, topic);
        if (File.Exists(file))
        {
            File.Move(file, Marker(dataDirectory, topic), overwrite: true);
        }
        else
        {
            // A damaged topic that the catalog never held (its directories were numbered with gaps): an empty marker.
            Directory.CreateDirectory(catalog);
            File.WriteAllBytes(Marker(dataDirectory, topic), []);
        }

        LogDirectory.Sync(catalog);
        step?.Invoke("topic marked deleted");
    }

    /// <summary>Returns the topics whose deletion was committed and not finished: those with a marker.</summary>
    public static List<string> FindUnfinished(string dataDirectory)
    {
        var catalog = Path.Combine(dataDirectory, TopicCatalog.DirectoryName);
        var topics = new List<string>();
        if (Directory.Exists(catalog))
        {
            foreach (var path in Directory.EnumerateFiles(catalog, "*" + MarkerExtension))
            {
                var topic = Path.GetFileName(path)[..^MarkerExtension.Length];
                if (IsValidName(topic))
                {
                    topics.Add(topic);
                }
            }
        }

        topics.Sort(StringComparer.Ordinal);
        return topics;
    }

    /// <summary>Deletes the partition directories of <paramref name="topic"/> (steps 3 and 4): the topic must be marked deleted.</summary>
    public static void Finish(string dataDirectory, string topic, Action<string>? step)
    {
        var directories = Directory.EnumerateDirectories(dataDirectory).Where(d => IsPartitionDirectory(Path.GetFileName(d), topic)).Order(StringComparer.Ordinal);
        foreach (var directory in directories.ToList())
        {
            Directory.Delete(directory, recursive: true);
            step?.Invoke($"partition directory {Path.GetFileName(directory)} deleted");
        }

        LogDirectory.Sync(dataDirectory);
        step?.Invoke("data directory durable");
        File.Delete(Marker(dataDirectory, topic));
        LogDirectory.Sync(Path.Combine(dataDirectory, TopicCatalog.DirectoryName));
        step?.Invoke("marker deleted");
    }

    /// <summary>Returns whether <paramref name="name"/>, an entry of the data directory, is a partition directory of <paramref name="topic"/>.</summary>
    /// <remarks>Only <c>{topic}-{n}</c> with <c>n</c> written as the log writes it: another topic's directories never
    /// match, as <c>{topic}-{n}-{m}</c> belongs to topic <c>{topic}-{n}</c>.</remarks>
    public static bool IsPartitionDirectory(string name, string topic) =>
        name.Length > topic.Length + 1
        && name.StartsWith(topic, StringComparison.Ordinal)
        && name[topic.Length] == '-'
        && int.TryParse(name.AsSpan(topic.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
        && name == string.Create(CultureInfo.InvariantCulture, $"{topic}-{partition}");

    private static string Marker(string dataDirectory, string topic) => Path.Combine(dataDirectory, TopicCatalog.DirectoryName, topic + MarkerExtension);

    private static bool IsValidName(string topic)
    {
        try
        {
            LogTopic.ValidateName(topic);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
