using System.Buffers.Binary;

namespace Shop.Tests;

/// <summary>Damages a partition of an embedded log the way a bad disk would: bytes flipped inside an early, acknowledged
/// batch that later batches follow, which no crash can explain.</summary>
internal static class SegmentDamage
{
    // Kafka's RecordBatch v2 starts with baseOffset (int64) and batchLength (int32, big-endian: the bytes after it).
    private const int LengthPosition = 8;
    private const int Overhead = 12;

    /// <summary>Flips 4 bytes in the middle of the second batch of the first segment of whichever partition of
    /// <paramref name="topic"/> holds the most batches, and returns the partition, the segment file and the batch's start.</summary>
    public static (int Partition, string File, long Position) FlipBytesInTheSecondBatch(string dataDirectory, string topic)
    {
        var segments = Directory.GetDirectories(dataDirectory, topic + "-*")
            .Select(directory => (Partition: int.Parse(directory[(directory.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                File: Path.Combine(directory, "00000000000000000000.log")))
            .Select(segment => (segment.Partition, segment.File, Batches: BatchStarts(File.ReadAllBytes(segment.File))))
            .OrderByDescending(segment => segment.Batches.Count)
            .ToList();
        var (partition, file, batches) = segments[0];
        Assert.True(batches.Count >= 3, $"{file} holds {batches.Count} batches; the damage needs one before it and one after it");

        var bytes = File.ReadAllBytes(file);
        var middle = (batches[1] + batches[2]) / 2;
        for (var i = 0; i < 4; i++)
        {
            bytes[middle + i] ^= 0xFF;
        }

        File.WriteAllBytes(file, bytes);
        return (partition, file, batches[1]);
    }

    private static List<int> BatchStarts(byte[] segment)
    {
        var starts = new List<int>();
        for (var position = 0; position + Overhead <= segment.Length;)
        {
            starts.Add(position);
            position += Overhead + BinaryPrimitives.ReadInt32BigEndian(segment.AsSpan(position + LengthPosition));
        }

        return starts;
    }
}
