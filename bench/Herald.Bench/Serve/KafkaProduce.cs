using System.Diagnostics;
using Confluent.Kafka;
using Herald.Bench.Transports;

namespace Herald.Bench.Serve;

/// <summary>Produces to herald serve with a Confluent.Kafka producer: as fast as it acknowledges, or paced at a fixed rate.</summary>
internal static class KafkaProduce
{
    /// <summary>Produces <paramref name="records"/> values of <see cref="ServeClients.ValueBytes"/> and returns records/s from the
    /// first <c>Produce</c> to the last delivery report (acks=all: each report means fsynced by the server).</summary>
    /// <remarks>One record is produced and acknowledged first, outside the measurement: the client's metadata, producer id and
    /// connection are set up by then. The topic holds <paramref name="records"/> + 1 records afterwards.</remarks>
    public static async Task<double> ThroughputAsync(string bootstrap, string topic, long records)
    {
        var log = new ClientLog();
        using var producer = Build(ServeClients.ThroughputProducer(bootstrap), log);
        var message = new Message<Null, byte[]> { Value = new byte[ServeClients.ValueBytes] };
        await producer.ProduceAsync(topic, message);

        long delivered = 0, failed = 0, last = 0;
        Error? firstError = null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Delivery reports arrive on the client's one poll thread, in order; the producing thread only reads the count.
        Action<DeliveryReport<Null, byte[]>> onDelivered = report =>
        {
            if (report.Error.IsError && ++failed == 1)
            {
                firstError = report.Error;
            }

            if (Interlocked.Increment(ref delivered) == records)
            {
                last = Stopwatch.GetTimestamp();
                done.TrySetResult();
            }
        };

        var start = Stopwatch.GetTimestamp();
        // The producing loop gets a thread of its own, as a load generator should: it blocks while the client's queue is full.
        await Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await WaitAsync(done.Task, log, TimeSpan.FromSeconds(60 + (records / 20_000)), () => $"{Interlocked.Read(ref delivered):N0} of {records:N0} records acknowledged");
        if (failed > 0)
        {
            throw log.Failure($"{failed:N0} of {records:N0} records failed, the first with {firstError!.Code}: {firstError.Reason}");
        }

        return records / Stopwatch.GetElapsedTime(start, last).TotalSeconds;

        void Produce()
        {
            for (long sent = 0; sent < records; sent++)
            {
                // Bounded by the client's queue, as librdkafka bounds it, without an exception per full queue.
                while (sent - Interlocked.Read(ref delivered) >= ServeClients.ProducerQueueRecords && log.Fatal is null)
                {
                    Thread.Sleep(1);
                }

                ProduceWhenRoom(producer, topic, message, onDelivered, log);
            }
        }
    }

    /// <summary>Offers records at <paramref name="rate"/> per second for <paramref name="duration"/> and returns the rate achieved
    /// (to the last delivery report) and the percentiles of each record's latency from its <c>Produce</c> call to its delivery report.</summary>
    public static async Task<PacedResult> PacedAsync(string bootstrap, string topic, int rate, TimeSpan duration)
    {
        var log = new ClientLog();
        using var producer = Build(ServeClients.LatencyProducer(bootstrap), log);
        var message = new Message<Null, byte[]> { Value = new byte[ServeClients.ValueBytes] };
        await producer.ProduceAsync(topic, message);

        var total = (long)(rate * duration.TotalSeconds);
        var called = new long[total];
        var latencies = new long[total];
        long delivered = 0, failed = 0, last = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ticksPerRecord = (double)Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        // The pacing producer gets a thread of its own, as a load generator should (see EndToEndRun.PacedAsync).
        await Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await WaitAsync(done.Task, log, TimeSpan.FromSeconds(60), () => $"{Interlocked.Read(ref delivered):N0} of {total:N0} paced records acknowledged");
        if (failed > 0)
        {
            throw log.Failure($"{failed:N0} of {total:N0} paced records failed");
        }

        var achieved = total / Stopwatch.GetElapsedTime(start, last).TotalSeconds;
        var sorted = latencies.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        return new PacedResult(achieved, EndToEndRun.Percentile(sorted, 0.50), EndToEndRun.Percentile(sorted, 0.99));

        void Produce()
        {
            for (long sent = 0; sent < total;)
            {
                var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerRecord) + 1);
                if (due <= sent)
                {
                    // Nothing due: sleep rather than spin on one of two cores.
                    Thread.Sleep(1);
                    continue;
                }

                for (; sent < due; sent++)
                {
                    var id = sent;
                    called[id] = Stopwatch.GetTimestamp();
                    ProduceWhenRoom(producer, topic, message, report =>
                    {
                        var now = Stopwatch.GetTimestamp();
                        latencies[id] = now - called[id];
                        failed += report.Error.IsError ? 1 : 0;
                        if (Interlocked.Increment(ref delivered) == total)
                        {
                            last = now;
                            done.TrySetResult();
                        }
                    }, log);
                }
            }
        }
    }

    private static IProducer<Null, byte[]> Build(ProducerConfig config, ClientLog log) =>
        new ProducerBuilder<Null, byte[]>(config)
            .SetLogHandler((_, m) => log.OnLog(m))
            .SetErrorHandler((_, e) => log.OnError(e))
            .Build();

    private static void ProduceWhenRoom(IProducer<Null, byte[]> producer, string topic, Message<Null, byte[]> message, Action<DeliveryReport<Null, byte[]>> onDelivered, ClientLog log)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, onDelivered);
                return;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull && log.Fatal is null)
            {
                Thread.Sleep(1);
            }
        }
    }

    private static async Task WaitAsync(Task done, ClientLog log, TimeSpan timeout, Func<string> progress)
    {
        try
        {
            await done.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw log.Failure($"{progress()} within {timeout.TotalSeconds:0} s{(log.Fatal is { } fatal ? $"; fatal error {fatal.Code}: {fatal.Reason}" : "")}");
        }
    }
}
