using System.Text;
using Herald.Events;
using Herald.Transports;
using Shop.Events;
using Shop.Statistics;

namespace Shop.Faults;

/// <summary>Sends what a real system sometimes receives, straight to the transport, bypassing the outbox: events
/// delivered twice, and events no handler can read.</summary>
internal sealed class DeliveryFaults(ITransport transport, EventTypeRegistry registry, ShopStatistics statistics, ShopRun run, TimeProvider timeProvider)
{
    private readonly EventDescriptor _orderCreated = registry.Get(typeof(OrderCreated));

    /// <summary>Sends <paramref name="envelopes"/> again, unchanged: same event id, so the inboxes recognize them.</summary>
    public async Task SendDuplicatesAsync(IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        foreach (var envelope in envelopes)
        {
            await transport.SendAsync(_orderCreated.Topic, envelope, cancellationToken);
            statistics.DuplicateInjected();
        }
    }

    /// <summary>Sends <paramref name="count"/> <c>order.created</c> events whose payload is cut off mid-JSON; every group
    /// handling <c>order.created</c> dead-letters them at once as undeserializable.</summary>
    /// <remarks>Their event ids (<c>poison-&lt;run id&gt;-0000001</c>) name the run, so they are easy to find with
    /// <c>herald dlq list</c>.</remarks>
    public async Task SendPoisonAsync(int count, CancellationToken cancellationToken)
    {
        for (var number = 1; number <= count; number++)
        {
            var eventId = run.PoisonEventId(number);
            var envelope = new EventEnvelope
            {
                EventId = eventId,
                EventType = _orderCreated.Name,
                EventVersion = _orderCreated.Version,
                Timestamp = timeProvider.GetUtcNow(),
                Source = "shop",
                CorrelationId = eventId,
                PartitionKey = eventId,
                Data = Encoding.UTF8.GetBytes($"{{\"orderId\":\"{eventId}\",\"lines\":[{{\"sku\":"),
            };
            await transport.SendAsync(_orderCreated.Topic, envelope, cancellationToken);
        }
    }
}
