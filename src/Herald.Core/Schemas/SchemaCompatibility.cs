using System.Text.Json.Nodes;

namespace Herald.Schemas;

/// <summary>Compares two JSON Schemas of one event version, as <see cref="EventSchemas"/> writes them, field by field.</summary>
/// <remarks>
/// A change breaks <see cref="SchemaCompatibilityMode.Backward"/> when the new schema cannot read what the old one
/// allowed (a new required field, an optional field made required, a narrowed type, a removed enum value or format
/// constraint), and <see cref="SchemaCompatibilityMode.Forward"/> when the old schema cannot read what the new one
/// allows (a removed required field, a required field made optional, a widened type such as a field becoming
/// nullable, an added enum value). Adding or removing an optional field breaks neither: readers use their default.
/// Keywords that only validate (<c>pattern</c>, <c>default</c>, <c>description</c>, <c>x-</c>) are not compared.
/// </remarks>
public static class SchemaCompatibility
{
    /// <summary>Returns every difference from <paramref name="committed"/> to <paramref name="current"/>, breaking or not, in schema order.</summary>
    public static IReadOnlyList<SchemaChange> Compare(JsonNode committed, JsonNode current)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(current);
        return SchemaComparer.Compare(committed, current);
    }

    /// <summary>Returns the differences from <paramref name="committed"/> to <paramref name="current"/> that break <paramref name="mode"/>.</summary>
    public static IReadOnlyList<SchemaChange> FindBreakingChanges(JsonNode committed, JsonNode current, SchemaCompatibilityMode mode) =>
        [.. Compare(committed, current).Where(c => c.IsBreaking(mode))];
}
