using System.Text;
using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>A named stream of records split into partitions; a record's key chooses its partition, as Kafka's does.</summary>
public sealed class LogTopic : IDisposable
{
    private readonly LogPartition[] _partitions;
    private uint _roundRobin;

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

    /// <summary>Returns the partition for <paramref name="key"/>: Kafka's murmur2 partitioner, or round robin without a key.</summary>
    public int PartitionFor(ReadOnlySpan<byte> key) => KeyPartitioner.Partition(key, _partitions.Length);

    /// <summary>Appends a record to the partition its key chooses and returns where it went once acknowledged.</summary>
    public async ValueTask<LogPosition> AppendAsync(LogRecord record, CancellationToken cancellationToken = default)
    {
        var partition = record.Key is { } key ? PartitionFor(key.Span) : (int)(Interlocked.Increment(ref _roundRobin) % (uint)_partitions.Length);
        var offset = await _partitions[partition].AppendAsync(record, cancellationToken).ConfigureAwait(false);
        return new LogPosition(partition, offset);
    }

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
