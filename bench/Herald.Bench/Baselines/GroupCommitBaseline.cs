using System.Diagnostics;

namespace Herald.Bench.Baselines;

/// <summary>The disk's limit for durable appends: one writer fills a buffer, one flusher writes and fsyncs it,
/// and an append counts only once the fsync that covers it has returned.</summary>
internal static class GroupCommitBaseline
{
    private const int MaxUnflushedBytes = 64 << 20;

    public static async Task<double> RunAsync(string directory, long events, int recordBytes)
    {
        var path = Path.Combine(directory, $"groupcommit-{Guid.NewGuid():N}.bin");
        try
        {
            using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None);
            var gate = new object();
            var current = new MemoryStream(1 << 20);
            long appended = 0, flushed = 0, fileOffset = 0;
            var done = false;
            var record = new byte[recordBytes];

            var flusher = Task.Run(() =>
            {
                var spare = new MemoryStream(1 << 20);
                while (true)
                {
                    MemoryStream batch;
                    long batchEnd;
                    lock (gate)
                    {
                        while (current.Length == 0 && !done)
                        {
                            Monitor.Wait(gate);
                        }

                        if (current.Length == 0 && done)
                        {
                            return;
                        }

                        (batch, current, spare) = (current, spare, current);
                        batchEnd = appended;
                    }

                    RandomAccess.Write(file, batch.GetBuffer().AsSpan(0, (int)batch.Length), fileOffset);
                    fileOffset += batch.Length;
                    RandomAccess.FlushToDisk(file);
                    batch.SetLength(0);
                    lock (gate)
                    {
                        flushed = batchEnd;
                        Monitor.PulseAll(gate);
                    }
                }
            });

            var stopwatch = Stopwatch.StartNew();
            for (long i = 0; i < events; i++)
            {
                lock (gate)
                {
                    // Bounded memory: the writer waits for the disk once too much is unflushed.
                    while ((appended - flushed) * recordBytes > MaxUnflushedBytes)
                    {
                        Monitor.Wait(gate);
                    }

                    current.Write(record);
                    appended++;
                    if (current.Length == recordBytes)
                    {
                        Monitor.PulseAll(gate);
                    }
                }
            }

            lock (gate)
            {
                done = true;
                Monitor.PulseAll(gate);
                while (flushed < events)
                {
                    Monitor.Wait(gate);
                }
            }

            stopwatch.Stop();
            await flusher;
            return events / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
