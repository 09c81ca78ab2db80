using System.Buffers.Binary;
using System.Diagnostics;
using Herald.Log;
using Herald.Log.Storage;

// Producers keep appends in flight in a queue and await each exactly once, as a Kafka producer keeps its sends.
#pragma warning disable CA2012

namespace Herald.Bench.Log;

/// <summary>Measures the Herald.Log append and read API: durable publish, consume, and end-to-end latency at fixed rates.</summary>
internal static class LogBench
{
    private const int KeyBytes = 16;

    /// <summary>Appends <paramref name="events"/> records of <paramref name="payloadBytes"/> durably and returns acknowledged events/s.</summary>
    /// <param name="directory">Where the log goes; a fresh subdirectory is used and deleted.</param>
    /// <param name="events">Records to append.</param>
    /// <param name="payloadBytes">The value size of each record.</param>
    /// <param name="batch">Records per append call: 1 appends one at a time (each awaited within a window of in-flight appends).</param>
    /// <param name="partitions">Partitions written in parallel, one producer each.</param>
    public static async Task<double> PublishAsync(string directory, long events, int payloadBytes, int batch, int partitions)
    {
        using var scope = new LogScope(directory, partitions, FlushPolicy.Always);
        var perPartition = events / partitions;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(scope.Topic.Partitions.Select(p => Task.Run(() => ProduceAsync(p, perPartition, payloadBytes, batch))));
        stopwatch.Stop();
        return perPartition * partitions / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Appends <paramref name="events"/> records, then reads them all back and returns read events/s.</summary>
    public static async Task<double> ConsumeAsync(string directory, long events, int payloadBytes)
    {
        using var scope = new LogScope(directory, 1, FlushPolicy.Always);
        var partition = scope.Topic.Partitions[0];
        await ProduceAsync(partition, events, payloadBytes, 256);
        var stopwatch = Stopwatch.StartNew();
        long count = 0, bytes = 0;
        using var reader = partition.OpenReader(0);
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                count++;
                bytes += record.Value.Length + record.Key.Length;
            }
        }

        stopwatch.Stop();
        if (count != events || bytes == 0)
        {
            throw new InvalidOperationException($"Read {count} records, expected {events}.");
        }

        return count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Offers records at <paramref name="rate"/> per second for <paramref name="duration"/> to one durable partition
    /// while a tailing reader consumes them; the latency of each is from its intended send time (so a stalled producer
    /// cannot hide a stall) to the reader seeing it.
    /// </summary>
    public static async Task<LatencyResult> LatencyAsync(string directory, int rate, TimeSpan duration, int payloadBytes)
    {
        using var scope = new LogScope(directory, 1, FlushPolicy.Always);
        var partition = scope.Topic.Partitions[0];
        var total = (long)(rate * duration.TotalSeconds);
        var latencies = new long[total];
        var consumer = Task.Run(async () =>
        {
            using var reader = partition.OpenReader(0);
            long seen = 0;
            while (seen < total && await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var records))
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var record in records)
                    {
                        latencies[seen++] = now - BinaryPrimitives.ReadInt64LittleEndian(record.Value);
                    }
                }
            }
        });

        var key = new byte[KeyBytes];
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = Stopwatch.GetTimestamp();
        var ticksPerEvent = (double)Stopwatch.Frequency / rate;
        var pending = new List<ValueTask<long>>();

        // The pacing producer gets a thread of its own, as a load generator should: pacing on a thread-pool thread
        // would take a worker from the pool that completes appends and wakes the reader.
        await Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        foreach (var append in pending)
        {
            await append;
        }

        var achieved = total / Stopwatch.GetElapsedTime(start).TotalSeconds;
        await consumer.WaitAsync(TimeSpan.FromMinutes(2));
        Array.Sort(latencies);
        double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))] * 1000.0 / Stopwatch.Frequency;
        return new LatencyResult(rate, achieved, Percentile(0.50), Percentile(0.99), Percentile(0.999));

        void Produce()
        {
            var records = new LogRecord[256];
            for (long sent = 0; sent < total;)
            {
                // Send everything due by now in one call; each record carries its own intended send time.
                var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerEvent) + 1);
                if (due <= sent)
                {
                    // Nothing due: sleep, rather than spin on one of two cores. Latency counts from each event's
                    // intended send time, so the sleep's granularity (about 1 ms) is in the figures, not hidden.
                    Thread.Sleep(1);
                    continue;
                }

                var count = (int)Math.Min(due - sent, records.Length);
                var buffer = new byte[count * payloadBytes];
                for (var i = 0; i < count; i++)
                {
                    var slice = buffer.AsMemory(i * payloadBytes, payloadBytes);
                    BinaryPrimitives.WriteInt64LittleEndian(slice.Span, start + (long)((sent + i) * ticksPerEvent));
                    records[i] = new LogRecord(timestamp, key, slice);
                }

                pending.Add(partition.AppendAsync(records.AsSpan(0, count)));
                sent += count;
            }
        }
    }

    /// <summary>Streams <paramref name="events"/> through one partition with a concurrent reader and samples the process's memory.</summary>
    public static async Task<MemoryResult> StreamAsync(string directory, long events, int payloadBytes)
    {
        using var scope = new LogScope(directory, 1, FlushPolicy.Always);
        var partition = scope.Topic.Partitions[0];
        using var sampling = new CancellationTokenSource();
        var samples = new List<(long Events, long WorkingSet, long Heap)>();
        long consumed = 0;
        var consumer = Task.Run(async () =>
        {
            using var reader = partition.OpenReader(0);
            while (Interlocked.Read(ref consumed) < events && await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var records))
                {
                    var n = 0;
                    foreach (var record in records)
                    {
                        n += record.Value.Length > 0 ? 1 : 0;
                    }

                    Interlocked.Add(ref consumed, n);
                }
            }
        });
        var sampler = Task.Run(async () =>
        {
            using var process = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                lock (samples)
                {
                    samples.Add((Interlocked.Read(ref consumed), process.WorkingSet64, GC.GetTotalMemory(false)));
                }

                try
                {
                    await Task.Delay(250, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var stopwatch = Stopwatch.StartNew();
        await ProduceAsync(partition, events, payloadBytes, 256);
        await consumer;
        stopwatch.Stop();
        await sampling.CancelAsync();
        await sampler;
        lock (samples)
        {
            // The first tenth warms up (JIT, pools, page cache); after it the peak must stay where it was.
            var warm = samples.Skip(samples.Count / 10).ToList();
            var early = warm.Take(Math.Max(1, warm.Count / 4)).Max(s => s.WorkingSet);
            var late = warm.Skip(warm.Count * 3 / 4).DefaultIfEmpty(warm[^1]).Max(s => s.WorkingSet);
            return new MemoryResult(events / stopwatch.Elapsed.TotalSeconds, early / 1048576.0, late / 1048576.0, warm.Max(s => s.Heap) / 1048576.0);
        }
    }

    private static async Task ProduceAsync(LogPartition partition, long events, int payloadBytes, int batch)
    {
        var key = new byte[KeyBytes];
        var value = new byte[payloadBytes];
        var record = new LogRecord(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), key, value);
        var records = Enumerable.Repeat(record, batch).ToArray();
        var pending = new Queue<ValueTask<long>>();
        // In flight: 16 MiB of appends, as a Kafka producer's buffer.memory bounds its own.
        var window = Math.Max(2, (16 << 20) / ((payloadBytes + 32) * batch));
        for (long sent = 0; sent < events; sent += batch)
        {
            var count = (int)Math.Min(batch, events - sent);
            pending.Enqueue(batch == 1 ? partition.AppendAsync(record) : partition.AppendAsync(records.AsSpan(0, count)));
            if (pending.Count >= window)
            {
                await pending.Dequeue();
            }
        }

        while (pending.Count > 0)
        {
            await pending.Dequeue();
        }
    }

    private sealed class LogScope : IDisposable
    {
        private readonly string _directory;
        private readonly EmbeddedLog _log;

        public LogScope(string root, int partitions, FlushPolicy policy)
        {
            _directory = Path.Combine(root, $"log-{Guid.NewGuid():N}");
            var options = new EmbeddedLogOptions();
            options.DefaultTopic.Partitions = partitions;
            options.DefaultTopic.FlushPolicy = policy;
            options.DefaultTopic.SegmentBytes = 1L << 30;
            _log = EmbeddedLog.Open(_directory, options);
            Topic = _log.GetOrCreateTopic("bench");
        }

        public LogTopic Topic { get; }

        public void Dispose()
        {
            _log.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>End-to-end latency at one offered rate, in milliseconds.</summary>
internal sealed record LatencyResult(int OfferedRate, double AchievedRate, double P50, double P99, double P999);

/// <summary>Throughput and memory while streaming through the log; flat memory means late ≈ early.</summary>
internal sealed record MemoryResult(double EventsPerSecond, double EarlyWorkingSetMb, double LateWorkingSetMb, double MaxHeapMb);
