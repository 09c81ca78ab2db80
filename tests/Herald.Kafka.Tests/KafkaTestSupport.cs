using System.Text;
using Herald.Events;
using Herald.Transports;

namespace Herald.Kafka.Tests;

/// <summary>Names, envelopes and bounded receive loops for the Kafka tests.</summary>
internal static class KafkaTestSupport
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static EventEnvelope Envelope(string key, long sequence) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "kafka.test",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/herald/kafka-tests",
        CorrelationId = key,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{sequence}}}"""),
    };

    /// <summary>Receives exactly <paramref name="count"/> deliveries within <paramref name="timeout"/>.</summary>
    public static async Task<List<TransportDelivery>> ReceiveAsync(ITransportListener listener, int count, TimeSpan? timeout = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout ?? TimeSpan.FromSeconds(20));
        var received = new List<TransportDelivery>();
        try
        {
            while (received.Count < count)
            {
                if (listener.TryReceive(received, count - received.Count) == 0)
                {
                    Assert.True(await listener.WaitToReceiveAsync(cancel.Token), "The listener closed.");
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Assert.Fail($"Timed out with {received.Count} of {count} deliveries.");
        }

        return received;
    }
}
