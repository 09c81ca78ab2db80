using System.Text;
using Herald.Events;
using Herald.Transports;

namespace Herald.Nats.Tests;

/// <summary>Envelopes and bounded receive loops for the NATS tests.</summary>
internal static class NatsTestSupport
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static EventEnvelope Envelope(string key, long sequence) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "nats.test",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/herald/nats-tests",
        CorrelationId = key,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{sequence}}}"""),
    };

    /// <summary>Waits until <paramref name="condition"/> holds, checking it every 20 ms for at most 15 seconds.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            // A state on a real server, which tells no one when it changes: a short poll, bounded.
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> deliveries within <paramref name="timeout"/>.</summary>
    public static async Task<List<TransportDelivery>> ReceiveAsync(ITransportListener listener, int count, TimeSpan? timeout = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
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
