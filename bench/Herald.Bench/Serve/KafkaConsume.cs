using System.Diagnostics;
using Confluent.Kafka;

namespace Herald.Bench.Serve;

/// <summary>Reads a topic of herald serve from the beginning with a Confluent.Kafka consumer on assigned partitions.</summary>
internal static class KafkaConsume
{
    /// <summary>Reads <paramref name="records"/> records from every partition of <paramref name="topic"/> and returns records/s
    /// from the assignment to the last record read, and the value bytes read.</summary>
    /// <remarks>The consumer connects first, outside the measurement; assigning from the beginning then costs one ListOffsets.</remarks>
    public static async Task<(double RecordsPerSecond, long ValueBytes)> ThroughputAsync(string bootstrap, string topic, int partitions, long records)
    {
        var log = new ClientLog();
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(ServeClients.ThroughputConsumer(bootstrap))
            .SetLogHandler((_, m) => log.OnLog(m))
            .SetErrorHandler((_, e) => log.OnError(e))
            .Build();
        // Consume blocks: the loop gets a thread of its own rather than a pool thread the server needs.
        return await Task.Factory.StartNew(Consume, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        (double, long) Consume()
        {
            var timeout = TimeSpan.FromSeconds(60 + (records / 50_000));
            // Connects and reads the metadata outside the measurement, as the producer's first record does.
            _ = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), timeout);
            var start = Stopwatch.GetTimestamp();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            long count = 0, bytes = 0;
            while (count < records)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    count++;
                    bytes += result.Message.Value.Length;
                }
                else if (log.Fatal is not null || Stopwatch.GetElapsedTime(start) > timeout)
                {
                    throw log.Failure($"read {count:N0} of {records:N0} records within {timeout.TotalSeconds:0} s");
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            return (count / elapsed.TotalSeconds, bytes);
        }
    }
}
