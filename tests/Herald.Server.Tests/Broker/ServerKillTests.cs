using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;

namespace Herald.Server.Tests.Broker;

/// <summary>herald serve killed with SIGKILL under a producing load and started again on the same data directory.</summary>
public sealed class ServerKillTests
{
    [Fact]
    public async Task KilledUnderLoad_Restarted_EveryAcknowledgedRecordReadableOnceInOrder()
    {
        const int Count = 30_000, Keys = 16;
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-kill-{Guid.NewGuid():N}");
        var port = ServeProcess.FreePort();
        var server = await ServeProcess.StartAsync(directory, port);
        try
        {
            var acknowledged = new ConcurrentDictionary<string, Offset>();
            var failed = new ConcurrentBag<string>();
            using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
            {
                BootstrapServers = server.Bootstrap,
                EnableIdempotence = true,
                Acks = Acks.All,
                LingerMs = 2,
                MessageTimeoutMs = 90_000,
                ReconnectBackoffMaxMs = 200,
            }).SetLogHandler((_, _) => { }).Build())
            {
                for (var i = 0; i < Count; i++)
                {
                    var value = i.ToString(CultureInfo.InvariantCulture);
                    producer.Produce("killed", new Message<string, string> { Key = $"k{i % Keys}", Value = value }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            failed.Add($"{value}: {report.Error.Reason}");
                        }
                        else
                        {
                            acknowledged[value] = report.Offset;
                        }
                    });
                    if (i == Count / 3)
                    {
                        // Kill it with produces in flight, once some thousands are acknowledged.
                        SpinWait.SpinUntil(() => acknowledged.Count > Count / 6, TimeSpan.FromSeconds(30));
                        server.KillHard();
                        server.Dispose();
                        server = await ServeProcess.StartAsync(directory, port);
                    }
                }

                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(90)));
            }

            Assert.Empty(failed);
            Assert.Equal(Count, acknowledged.Count);

            // Everything read back: each record once, at the offset its acknowledgement gave, each key in order.
            var read = ReadAll(server.Bootstrap, "killed");
            Assert.Equal(Count, read.Count);
            Assert.Equal(Count, read.Select(r => r.Message.Value).Distinct().Count());
            Assert.All(read, r => Assert.Equal(acknowledged[r.Message.Value], r.Offset));
            foreach (var key in read.GroupBy(r => r.Message.Key))
            {
                var values = key.OrderBy(r => r.Offset.Value).Select(r => int.Parse(r.Message.Value, CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(values.Order(), values);
            }
        }
        finally
        {
            server.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<ConsumeResult<string, string>> ReadAll(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "unused", EnableAutoCommit = false, EnablePartitionEof = true }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var read = new List<ConsumeResult<string, string>>();
        var ended = new HashSet<int>();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (ended.Count < partitions && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
            }
            else
            {
                read.Add(result);
            }
        }

        return read;
    }
}
