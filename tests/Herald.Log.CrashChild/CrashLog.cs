using System.Globalization;
using System.Text;
using Herald.Log.Storage;

namespace Herald.Log.CrashChild;

/// <summary>The log the crash child appends to, which the crash tests open too, and the records it appends.</summary>
/// <remarks>
/// Small batches and small segments: a commit group holds several batches, segments roll every few commit groups, so a
/// power cut finds torn tails that span batches and sealed segments before them.
/// </remarks>
public static class CrashLog
{
    /// <summary>The topic the child appends to.</summary>
    public const string Topic = "crash";

    /// <summary>The topic's partition count.</summary>
    public const int Partitions = 2;

    /// <summary>The most records one writer has appended but not yet seen acknowledged.</summary>
    public const int InFlight = 12;

    /// <summary>The largest record count of one multi-record append.</summary>
    public const int MaxRecordsPerAppend = 5;

    /// <summary>The fewest filler bytes a record's value carries after its <c>writer:sequence</c>.</summary>
    public const int MinPayload = 20;

    /// <summary>The most filler bytes a record's value carries after its <c>writer:sequence</c>.</summary>
    public const int MaxPayload = 600;

    /// <summary>Returns the options the child opens the log with.</summary>
    public static EmbeddedLogOptions Options()
    {
        var options = new EmbeddedLogOptions();
        options.DefaultTopic.Partitions = Partitions;
        options.DefaultTopic.MaxBatchBytes = 1024;
        options.DefaultTopic.SegmentBytes = 64 * 1024;
        return options;
    }

    /// <summary>Returns the partition that writer <paramref name="writer"/> appends to.</summary>
    /// <param name="writer">The writer's number.</param>
    public static int PartitionOf(int writer) => writer % Partitions;

    /// <summary>Returns the record of <paramref name="writer"/>'s append number <paramref name="sequence"/>, with a filler of random length.</summary>
    /// <param name="writer">The writer's number.</param>
    /// <param name="sequence">The writer's sequence number.</param>
    /// <param name="random">Chooses the filler.</param>
    public static LogRecord Record(int writer, long sequence, Random random)
    {
        var id = $"{writer}:{sequence};";
        var value = new byte[id.Length + random.Next(MinPayload, MaxPayload + 1)];
        Encoding.ASCII.GetBytes(id, value);
        for (var i = id.Length; i < value.Length; i++)
        {
            value[i] = (byte)random.Next('a', 'z' + 1);
        }

        var key = Encoding.ASCII.GetBytes($"writer-{writer}");
        var headers = new[] { new RecordHeader("ce_id", Encoding.ASCII.GetBytes($"{writer}-{sequence}")) };
        return new LogRecord(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), key, value, headers);
    }

    /// <summary>Returns the writer and sequence a record's value names.</summary>
    /// <param name="value">A value that <see cref="Record"/> made.</param>
    public static (int Writer, long Sequence) Parse(ReadOnlySpan<byte> value)
    {
        var text = Encoding.ASCII.GetString(value[..value.IndexOf((byte)';')]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return (int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture), long.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture));
    }
}
