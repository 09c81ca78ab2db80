namespace Herald.Events;

/// <summary>Carries one event and its metadata: Herald's mapping of a CloudEvents 1.0 event.</summary>
/// <remarks>
/// Envelopes are immutable and safe to share between threads. <see cref="Data"/> holds the
/// serialized payload (JSON); transports move envelopes in CloudEvents binary content mode through
/// <see cref="CloudEventsBinding"/>, <see cref="CloudEventEncoder"/> and <see cref="CloudEventReader"/>.
/// </remarks>
public sealed record EventEnvelope
{
    /// <summary>Gets the unique event id (CloudEvents <c>id</c>); a UUIDv7 unless the publisher set one.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the stable event name (CloudEvents <c>type</c>).</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the schema version of <see cref="Data"/> (extension <c>eventversion</c>).</summary>
    public int EventVersion { get; init; } = 1;

    /// <summary>Gets when the event was published (CloudEvents <c>time</c>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the producing service (CloudEvents <c>source</c>).</summary>
    public required string Source { get; init; }

    /// <summary>Gets the id shared by everything one request caused (extension <c>correlationid</c>).</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the id of the event whose handler published this one (extension <c>causationid</c>).</summary>
    public string? CausationId { get; init; }

    /// <summary>Gets the user on whose behalf the event was published (extension <c>userid</c>).</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the W3C trace context of the publish (extension <c>traceparent</c>).</summary>
    public string? TraceParent { get; init; }

    /// <summary>Gets the key that routes the event to a partition (extension <c>partitionkey</c>).</summary>
    public string? PartitionKey { get; init; }

    /// <summary>Gets the optional per-entity sequence number (extension <c>sequence</c>).</summary>
    public long? Sequence { get; init; }

    /// <summary>Gets the causation chain depth: 0 for an event no handler caused (extension <c>depth</c>).</summary>
    public int Depth { get; init; }

    /// <summary>Gets the media type of <see cref="Data"/> (CloudEvents <c>datacontenttype</c>).</summary>
    public string DataContentType { get; init; } = "application/json";

    /// <summary>Gets further CloudEvents extension attributes, by lowercase name.</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; init; } = EmptyExtensions;

    /// <summary>Gets the serialized payload.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> EmptyExtensions =
        new Dictionary<string, string>(0, StringComparer.Ordinal);
}
