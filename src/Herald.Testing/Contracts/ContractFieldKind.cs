using System.Diagnostics.CodeAnalysis;

namespace Herald.Testing.Contracts;

/// <summary>Names the JSON kind a consumer expects a payload field to have.</summary>
/// <remarks>Written to contract files in lowercase (<c>"string"</c>, <c>"number"</c>, ...).</remarks>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members are JSON's own kind names, as in JsonValueKind and JSON Schema.")]
public enum ContractFieldKind
{
    /// <summary>Any JSON value: the consumer only needs the field to exist.</summary>
    Any,

    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>JSON <c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A JSON object.</summary>
    Object,

    /// <summary>A JSON array.</summary>
    Array,
}
