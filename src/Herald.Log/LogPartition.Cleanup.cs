namespace Herald.Log;

// Retention: sealed segments are deleted whole, oldest first, by age and by the partition's size limit.
public sealed partial class LogPartition
{
    /// <summary>Applies the topic's cleanup policy to the sealed segments; the active segment is never touched.</summary>
    /// <returns>The number of segments deleted or rewritten.</returns>
    internal int CleanUp(DateTimeOffset now) =>
        _options.CleanupPolicy == CleanupPolicy.Compact ? Compact() : DeleteExpiredSegments(now);

    private int DeleteExpiredSegments(DateTimeOffset now)
    {
        var segments = Volatile.Read(ref _segments);
        var expiredBefore = _options.RetentionTime is { } age ? now.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds : long.MinValue;
        var total = 0L;
        foreach (var segment in segments)
        {
            total += segment.Size;
        }

        var delete = 0;
        while (delete < segments.Length - 1)
        {
            var segment = segments[delete];
            var tooOld = segment.MaxTimestamp < expiredBefore;
            var tooBig = _options.RetentionBytes is { } limit && total - segment.Size >= limit;
            if (!tooOld && !tooBig)
            {
                break;
            }

            total -= segment.Size;
            delete++;
        }

        if (delete == 0)
        {
            return 0;
        }

        lock (_segmentLock)
        {
            // Only the writer adds segments, at the end: the head is still the one measured.
            Volatile.Write(ref _segments, _segments[delete..]);
        }

        for (var i = 0; i < delete; i++)
        {
            segments[i].Delete();
        }

        // Durable before the next cleanup: a deletion lost to a power cut would bring back segments below the start.
        LogDirectory.Sync(Directory);
        return delete;
    }
}
