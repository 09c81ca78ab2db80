namespace Herald.Events;

/// <summary>Names the CloudEvents 1.0 attributes that Herald's envelope maps to.</summary>
internal static class CloudEventAttributes
{
    /// <summary>The CloudEvents specification version Herald writes.</summary>
    public const string SpecVersionValue = "1.0";

    /// <summary>Attribute <c>specversion</c>.</summary>
    public const string SpecVersion = "specversion";

    /// <summary>Attribute <c>id</c>.</summary>
    public const string Id = "id";

    /// <summary>Attribute <c>type</c>.</summary>
    public const string Type = "type";

    /// <summary>Attribute <c>source</c>.</summary>
    public const string Source = "source";

    /// <summary>Attribute <c>time</c>.</summary>
    public const string Time = "time";

    /// <summary>Attribute <c>datacontenttype</c>.</summary>
    public const string DataContentType = "datacontenttype";

    /// <summary>Extension <c>eventversion</c>: the payload's schema version.</summary>
    public const string EventVersion = "eventversion";

    /// <summary>Extension <c>correlationid</c>.</summary>
    public const string CorrelationId = "correlationid";

    /// <summary>Extension <c>causationid</c>.</summary>
    public const string CausationId = "causationid";

    /// <summary>Extension <c>userid</c>.</summary>
    public const string UserId = "userid";

    /// <summary>Extension <c>traceparent</c> (Distributed Tracing extension).</summary>
    public const string TraceParent = "traceparent";

    /// <summary>Extension <c>partitionkey</c> (Partitioning extension).</summary>
    public const string PartitionKey = "partitionkey";

    /// <summary>Extension <c>sequence</c> (Sequence extension; a decimal string).</summary>
    public const string Sequence = "sequence";

    /// <summary>Extension <c>depth</c>: the causation chain depth.</summary>
    public const string Depth = "depth";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        SpecVersion, Id, Type, Source, Time, DataContentType, "dataschema", "subject", "data", "data_base64",
        EventVersion, CorrelationId, CausationId, UserId, TraceParent, "tracestate", PartitionKey, Sequence, Depth,
    };

    /// <summary>Tells whether <paramref name="name"/> is an attribute the envelope maps itself.</summary>
    public static bool IsReserved(string name) => Reserved.Contains(name);

    /// <summary>Tells whether <paramref name="name"/> is a valid extension name: 1–20 of <c>a-z0-9</c>.</summary>
    public static bool IsValidExtensionName(string name) =>
        name.Length is > 0 and <= 20 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));
}
