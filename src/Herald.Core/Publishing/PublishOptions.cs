namespace Herald.Publishing;

/// <summary>Sets envelope attributes of one publish; everything unset takes its default.</summary>
public sealed class PublishOptions
{
    /// <summary>Gets or sets the partition key; events with the same key are handled in publish order.
    /// Default: the key selector registered for the event type, else none (spread over partitions).</summary>
    public string? PartitionKey { get; set; }

    /// <summary>Gets or sets the correlation id. Default: the handled event's inside a handler, else the new event id.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Gets or sets the user the event is published for. Default: the handled event's inside a handler.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets the per-entity sequence number. Default: none.</summary>
    public long? Sequence { get; set; }

    /// <summary>Gets or sets the event id, for idempotent re-publishing. Default: a new UUIDv7.</summary>
    public string? EventId { get; set; }

    /// <summary>Gets extra attributes to carry as CloudEvents extensions.</summary>
    /// <remarks>Names are 1–20 characters of <c>a-z0-9</c> and must not be an attribute Herald maps itself.</remarks>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
