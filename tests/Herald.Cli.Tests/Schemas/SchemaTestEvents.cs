using System.Text.Json.Serialization;
using Herald.Events;

namespace Herald.Cli.Tests.Schemas;

// Events of the end-to-end schema tests, which export this test assembly itself (other tests may add events of their own).
[Event("schema-test.order-placed", Version = 2)]
internal sealed record SchemaTestOrderPlaced(string OrderId, decimal Total, IReadOnlyList<SchemaTestLine> Lines, string? Note = null)
{
    public required string CustomerId { get; init; }

    [JsonPropertyName("channel_name")]
    public string Channel { get; init; } = "web";
}

internal sealed record SchemaTestLine(string Sku, int Quantity);

[Event("schema-test.order-shipped")]
internal sealed record SchemaTestOrderShipped(string OrderId, DateTimeOffset ShippedAt);
