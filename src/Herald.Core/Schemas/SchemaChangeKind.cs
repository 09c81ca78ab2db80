namespace Herald.Schemas;

/// <summary>Classifies one difference between a committed event schema and the current one.</summary>
public enum SchemaChangeKind
{
    /// <summary>A field exists only in the new schema.</summary>
    FieldAdded,

    /// <summary>A field exists only in the old schema.</summary>
    FieldRemoved,

    /// <summary>A field became required, or stopped being required.</summary>
    RequirednessChanged,

    /// <summary>The JSON types a field accepts changed (nullability included).</summary>
    TypeChanged,

    /// <summary>The string format of a field (<c>date-time</c>, <c>uuid</c>) changed.</summary>
    FormatChanged,

    /// <summary>Values were removed from a field's enumeration.</summary>
    EnumValuesRemoved,

    /// <summary>Values were added to a field's enumeration.</summary>
    EnumValuesAdded,

    /// <summary>A part of the schema compared as a whole (<c>anyOf</c>, <c>oneOf</c>, <c>allOf</c>) changed.</summary>
    SchemaChanged,
}
