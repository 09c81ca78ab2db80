using System.Globalization;
using Herald.Log.Storage;

namespace Herald.Log;

// Opening: finds the segments, recovers each, and turns damage into a partition that refuses to serve.
public sealed partial class LogPartition
{
    internal static LogPartition Open(string topic, int id, string directory, TopicOptions options, EmbeddedLogOptions log, List<LogRecovery> recoveries)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            if (log.ReadOnly)
            {
                return new LogPartition(topic, id, directory, options, log.TimeProvider, [], readOnly: true, damage: null);
            }

            // A topic's partitions are created after its shape is durable: creating one, or completing a topic that a
            // crash left half-created, makes its directory durable before anything relies on it.
            System.IO.Directory.CreateDirectory(directory);
            LogDirectory.Sync(Path.GetDirectoryName(directory)!);
            TopicCatalog.Step?.Invoke($"partition {id} directory durable");
        }

        var segments = new List<SegmentFile>();
        try
        {
            var baseOffsets = FindSegments(directory);
            if (baseOffsets.Count == 0 && !log.ReadOnly)
            {
                segments.Add(SegmentFile.Create(directory, 0, options.IndexIntervalBytes));
                LogDirectory.Sync(directory);
                TopicCatalog.Step?.Invoke($"partition {id} segment durable");
            }

            for (var i = 0; i < baseOffsets.Count; i++)
            {
                var segment = SegmentFile.Open(directory, baseOffsets[i], i == baseOffsets.Count - 1, out var recovery, options.IndexIntervalBytes, log.ReadOnly);
                segments.Add(segment);
                if (recovery.TruncatedBytes > 0)
                {
                    recoveries.Add(new LogRecovery(segment.LogPath, recovery.ValidSize, recovery.TruncatedBytes, recovery.Problem ?? "torn write", log.ReadOnly));
                }

                if (i > 0)
                {
                    CheckContiguous(segments[i - 1], segment, options);
                }
            }

            return new LogPartition(topic, id, directory, options, log.TimeProvider, [.. segments], log.ReadOnly, damage: null);
        }
        catch (LogCorruptedException exception)
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            var damage = new LogDamage(topic, id, exception.FileName ?? directory, exception.Position, exception.Message);
            return new LogPartition(topic, id, directory, options, log.TimeProvider, [], log.ReadOnly, damage);
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            throw;
        }
    }

    /// <summary>Returns the base offsets of the segments in <paramref name="directory"/>, ascending: its <c>{baseOffset:D20}.log</c> files.</summary>
    internal static List<long> FindSegments(string directory)
    {
        var baseOffsets = new List<long>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*.log"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.Length == 20 && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var baseOffset))
            {
                baseOffsets.Add(baseOffset);
            }
        }

        baseOffsets.Sort();
        return baseOffsets;
    }

    private static void CheckContiguous(SegmentFile previous, SegmentFile next, TopicOptions options)
    {
        var expected = previous.NextOffset;
        if (next.BaseOffset == expected || (options.CleanupPolicy == CleanupPolicy.Compact && next.BaseOffset > expected))
        {
            return;
        }

        throw new LogCorruptedException(next.LogPath, 0, $"the segment starts at offset {next.BaseOffset}, but the segment before it ends before offset {expected}.");
    }
}
