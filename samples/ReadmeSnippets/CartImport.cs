using Herald.Events;
using Herald.Publishing;

namespace ReadmeSnippets;

[Event("cart.line-added")]
public sealed record CartLineAdded(string CartId, string Sku, int Quantity);

public static class CartImport
{
    // One call, one durable acknowledgement for the batch: each cart's lines stay in order.
    public static async Task<IReadOnlyList<EventEnvelope>> PublishAsync(IEventPublisher publisher, IReadOnlyList<CartLineAdded> lines) =>
        await publisher.PublishManyAsync(lines, line => new PublishOptions { PartitionKey = line.CartId });
}
