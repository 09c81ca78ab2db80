using System.Globalization;
using System.Text;
using Confluent.Kafka;

// Usage: Herald.Server.GroupChild BOOTSTRAP TOPIC GROUP SESSION_TIMEOUT_MS
// Joins GROUP on TOPIC with Confluent.Kafka (auto.offset.reset earliest) and, for every record it handles, prints
// "PARTITION OFFSET KEY VALUE" on standard output before storing its offset; stored offsets are committed every 200 ms,
// when partitions are revoked and when the consumer closes. Prints "# assigned P P P" (the partitions it now owns) after
// every assignment and "# revoked" before partitions leave. Consumes until standard input closes, then closes the
// consumer (committing and leaving the group) and exits 0.
if (args is not [var bootstrap, var topic, var group, var session] || !int.TryParse(session, NumberStyles.None, CultureInfo.InvariantCulture, out var sessionMs))
{
    Console.Error.WriteLine("Usage: Herald.Server.GroupChild BOOTSTRAP TOPIC GROUP SESSION_TIMEOUT_MS");
    return 2;
}

var output = new StreamWriter(Console.OpenStandardOutput(), Encoding.ASCII) { AutoFlush = true };
using var stop = new CancellationTokenSource();
var stdin = Task.Run(() =>
{
    while (Console.In.ReadLine() is not null)
    {
    }

    stop.Cancel();
});

using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
{
    BootstrapServers = bootstrap,
    GroupId = group,
    AutoOffsetReset = AutoOffsetReset.Earliest,
    SessionTimeoutMs = sessionMs,
    HeartbeatIntervalMs = Math.Max(100, sessionMs / 6),
    EnableAutoCommit = true,
    AutoCommitIntervalMs = 200,
    EnableAutoOffsetStore = false,
    FetchWaitMaxMs = 100,
})
    .SetPartitionsAssignedHandler((_, partitions) => output.WriteLine($"# assigned {string.Join(' ', partitions.Select(p => p.Partition.Value))}"))
    .SetPartitionsRevokedHandler((_, _) => output.WriteLine("# revoked"))
    .Build();
consumer.Subscribe(topic);
try
{
    while (!stop.IsCancellationRequested)
    {
        var result = consumer.Consume(stop.Token);
        output.WriteLine($"{result.Partition.Value} {result.Offset.Value} {result.Message.Key} {result.Message.Value}");
        consumer.StoreOffset(result);
    }
}
catch (OperationCanceledException)
{
}

consumer.Close();
return 0;
