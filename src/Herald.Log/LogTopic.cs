using System.Text;

namespace Herald.Log;

/// <summary>A named stream of records split into partitions.</summary>
/// <remarks>As in Kafka, the log does not choose partitions: the producer does (Herald's transports by the partition key's
/// murmur2 hash, as Kafka's clients do) and appends to <see cref="Partitions"/>.</remarks>
public sealed class LogTopic : IDisposable
{
    private readonly LogPartition[] _partitions;

    internal LogTopic(string name, TopicOptions options, LogPartition[] partitions)
    {
        Name = name;
        Options = options;
        _partitions = partitions;
    }

    /// <summary>Gets the topic's name.</summary>
    public string Name { get; }

    /// <summary>Gets the options the topic was opened with (a copy; the partition count is what the disk holds).</summary>
    public TopicOptions Options { get; }

    /// <summary>Gets the topic's partitions, by number.</summary>
    public IReadOnlyList<LogPartition> Partitions => _partitions;

    /// <summary>Gets the total records between each partition's start and end.</summary>
    public long CountRecords()
    {
        long count = 0;
        foreach (var partition in _partitions)
        {
            count += partition.EndOffset - partition.StartOffset;
        }

        return count;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        List<Exception>? errors = null;
        foreach (var partition in _partitions)
        {
            try
            {
                partition.Dispose();
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                (errors ??= []).Add(exception);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException($"Closing topic '{Name}' failed.", errors);
        }
    }

    internal static string PartitionDirectory(string root, string topic, int partition) => Path.Combine(root, $"{topic}-{partition}");

    internal static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 200 || name is "." or ".." || !Ascii.IsValid(name) || name.AsSpan().ContainsAnyExcept(NameCharacters))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid topic name: use 1 to 200 of the characters a-z, A-Z, 0-9, '.', '_' and '-' (Kafka's rule), and not '.' or '..'.",
                nameof(name));
        }
    }

    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
}
