using System.Text;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Cli.Tests;

/// <summary>Fills a data directory the way an application does: dead letters through the real transport's store, and topics with data.</summary>
internal static class SeededDataDirectory
{
    public const string DeadLetterPartition = EmbeddedLogTransport.DeadLetterTopic + "-0";

    /// <summary>Writes <paramref name="deadLetters"/> dead letters (evt-01...), the topics orders (2 partitions) and payments (1), six one-record batches per partition, and billing's offsets on orders (3 and 5).</summary>
    public static async Task WriteAsync(string directory, int deadLetters = 10)
    {
        var options = new EmbeddedLogTransportOptions { DataDirectory = directory };
        options.Log.Topics["orders"] = new TopicOptions { Partitions = 2 };
        options.Log.Topics["payments"] = new TopicOptions { Partitions = 1 };
        options.Log.CleanupInterval = Timeout.InfiniteTimeSpan;
        await using var transport = new EmbeddedLogTransport(options);
        for (var i = 1; i <= deadLetters; i++)
        {
            await transport.DeadLetterStore.SaveAsync(CliHarness.Letter($"evt-{i:00}"), TestContext.Current.CancellationToken);
        }

        var timestamp = CliHarness.Now.AddDays(-1).ToUnixTimeMilliseconds();
        foreach (var topic in new[] { "orders", "payments" }.Select(transport.Log.GetOrCreateTopic))
        {
            foreach (var partition in topic.Partitions)
            {
                for (var i = 0; i < 6; i++)
                {
                    // Awaited one by one: each record is its own acknowledged batch.
                    var value = Encoding.UTF8.GetBytes($$"""{"orderId":"{{topic.Name}}-{{partition.Id}}-{{i}}"}""");
                    await partition.AppendAsync(new LogRecord(timestamp, Encoding.UTF8.GetBytes($"key-{i}"), value), TestContext.Current.CancellationToken);
                }
            }
        }

        transport.Log.Groups.ResetOffset("billing", "orders", 0, 3);
        transport.Log.Groups.ResetOffset("billing", "orders", 1, 5);
    }
}
