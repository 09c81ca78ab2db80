using System.Text;
using Herald.Events;
using Herald.Hosting;
using Herald.RabbitMQ.Internal;
using Herald.Transports;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Tests;

/// <summary>Envelopes and bounded receive loops the RabbitMQ tests share.</summary>
internal static class TestSupport
{
    public static EventEnvelope Envelope(string key, int sequence) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "test.sequenced",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/herald/rabbitmq-tests",
        CorrelationId = key,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{sequence}}}"""),
    };

    /// <summary>Reads a message as the transport's consumer does; throws what makes it unreadable.</summary>
    public static EventEnvelope Read(IReadOnlyBasicProperties properties, byte[] body, EventLimits? limits = null)
    {
        var message = new BasicDeliverEventArgs("consumer", 1, redelivered: false, "herald.test", "p0", properties, body);
        var envelope = EnvelopeMessages.Read(message, "herald.test:group:p0", limits ?? new(), DateTimeOffset.UnixEpoch, out var error);
        return error is null ? envelope : throw error;
    }

    /// <summary>Receives up to <paramref name="count"/> deliveries within <paramref name="timeout"/>; returns what arrived.</summary>
    public static async Task<List<TransportDelivery>> ReceiveAsync(ITransportListener listener, int count, TimeSpan timeout)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        var received = new List<TransportDelivery>();
        try
        {
            while (received.Count < count)
            {
                if (listener.TryReceive(received, count - received.Count) == 0 && !await listener.WaitToReceiveAsync(cancel.Token))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Timed out: the caller checks what arrived.
        }

        return received;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 50 ms for at most <paramref name="timeout"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<ValueTask<bool>> condition, TimeSpan timeout)
    {
        var until = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return true;
    }
}
