using System.Text;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Log;

/// <summary>Records with readable keys and values, and reading a partition back into plain tuples.</summary>
internal static class LogTestSupport
{
    public static LogRecord Record(string? key, string value, long? timestamp = null, params (string Key, string Value)[] headers) =>
        new(timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            key is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(key),
            Encoding.UTF8.GetBytes(value),
            headers.Select(h => new RecordHeader(h.Key, Encoding.UTF8.GetBytes(h.Value))).ToArray());

    public static List<Stored> ReadAll(LogPartition partition, long from = 0)
    {
        using var reader = partition.OpenReader(from);
        return Drain(reader);
    }

    public static List<Stored> Drain(LogReader reader)
    {
        var stored = new List<Stored>();
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                var headers = new List<(string, string)>();
                foreach (var header in record.Headers)
                {
                    headers.Add((header.GetKeyString(), Encoding.UTF8.GetString(header.Value)));
                }

                stored.Add(new Stored(
                    record.Offset,
                    record.Timestamp,
                    record.HasKey ? Encoding.UTF8.GetString(record.Key) : null,
                    Encoding.UTF8.GetString(record.Value),
                    headers));
            }
        }

        return stored;
    }

    internal sealed record Stored(long Offset, long Timestamp, string? Key, string Value, List<(string Key, string Value)> Headers);
}
