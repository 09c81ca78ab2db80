namespace Herald.Events;

/// <summary>Tells how a known attribute's value is typed on the envelope, and so how its text is formatted and parsed.</summary>
internal enum AttributeKind : byte
{
    /// <summary>A string, carried as is.</summary>
    String,

    /// <summary>A decimal integer with an optional leading sign.</summary>
    Integer,

    /// <summary>An RFC 3339 timestamp.</summary>
    Time,
}
