namespace Herald.Events;

/// <summary>Identifies a CloudEvents attribute that the envelope maps to a member of its own.</summary>
/// <remarks>Indexes the attribute table in <see cref="EnvelopeAttributes"/>; any other attribute is an extension.</remarks>
internal enum KnownAttribute : byte
{
    SpecVersion,
    Id,
    Source,
    Type,
    Time,
    EventVersion,
    CorrelationId,
    CausationId,
    UserId,
    TraceParent,
    PartitionKey,
    Sequence,
    Depth,
    DataContentType,
}
