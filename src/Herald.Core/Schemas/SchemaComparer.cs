using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Herald.Schemas;

/// <summary>Walks an old and a new JSON Schema side by side and records what changed, and for which readers it breaks.</summary>
internal sealed partial class SchemaComparer
{
    private static readonly string[] Compositions = ["anyOf", "oneOf", "allOf"];

    private readonly JsonNode _oldRoot;
    private readonly JsonNode _newRoot;
    private readonly List<SchemaChange> _changes = [];

    // Pairs being compared on the current path: JsonSchemaExporter writes a recursive type as a $ref to an enclosing
    // schema, so without this guard the walk would follow parent.parent.parent... for ever.
    private readonly HashSet<(JsonObject Old, JsonObject New)> _onPath = new(ReferencePairComparer.Instance);

    private SchemaComparer(JsonNode oldRoot, JsonNode newRoot)
    {
        _oldRoot = oldRoot;
        _newRoot = newRoot;
    }

    public static List<SchemaChange> Compare(JsonNode oldSchema, JsonNode newSchema)
    {
        var comparer = new SchemaComparer(oldSchema, newSchema);
        comparer.Walk(oldSchema, newSchema, "$");
        return comparer._changes;
    }

    private void Walk(JsonNode? oldNode, JsonNode? newNode, string path)
    {
        var oldSchema = Resolve(_oldRoot, oldNode);
        var newSchema = Resolve(_newRoot, newNode);
        if (!_onPath.Add((oldSchema, newSchema)))
        {
            return;
        }

        try
        {
            var oldTypes = Types(oldSchema);
            var newTypes = Types(newSchema);
            CompareTypes(oldTypes, newTypes, path);
            CompareEnums(oldSchema, newSchema, path);
            CompareFormats(oldSchema, newSchema, path);
            CompareCompositions(oldSchema, newSchema, path);

            // A type change (object to array, say) is one change; listing every field under it again would be noise.
            if (Allows(oldTypes, "object") && Allows(newTypes, "object"))
            {
                CompareProperties(oldSchema, newSchema, path);
                if (oldSchema["additionalProperties"] is { } oldValues && newSchema["additionalProperties"] is { } newValues)
                {
                    Walk(oldValues, newValues, path + ".*");
                }
            }

            if (Allows(oldTypes, "array") && Allows(newTypes, "array") && oldSchema["items"] is { } oldItems && newSchema["items"] is { } newItems)
            {
                Walk(oldItems, newItems, path + "[*]");
            }
        }
        finally
        {
            _onPath.Remove((oldSchema, newSchema));
        }
    }

    private void CompareProperties(JsonObject oldSchema, JsonObject newSchema, string path)
    {
        var oldProperties = oldSchema["properties"] as JsonObject ?? [];
        var newProperties = newSchema["properties"] as JsonObject ?? [];
        var oldRequired = Required(oldSchema);
        var newRequired = Required(newSchema);
        foreach (var (name, oldProperty) in oldProperties)
        {
            var fieldPath = path + Segment(name);
            var wasRequired = oldRequired.Contains(name);
            if (!newProperties.TryGetPropertyValue(name, out var newProperty))
            {
                // A removed optional field is what an old reader's default is for; a removed required one it cannot do without.
                Add(fieldPath, SchemaChangeKind.FieldRemoved, $"{(wasRequired ? "required" : "optional")} field removed (was {Describe(_oldRoot, oldProperty)})", backward: false, forward: wasRequired);
                continue;
            }

            var isRequired = newRequired.Contains(name);
            if (wasRequired != isRequired)
            {
                Add(fieldPath, SchemaChangeKind.RequirednessChanged, isRequired ? "changed from optional to required" : "changed from required to optional", backward: isRequired, forward: wasRequired);
            }

            Walk(oldProperty, newProperty, fieldPath);
        }

        foreach (var (name, newProperty) in newProperties)
        {
            if (!oldProperties.ContainsKey(name))
            {
                var isRequired = newRequired.Contains(name);
                Add(path + Segment(name), SchemaChangeKind.FieldAdded, $"new {(isRequired ? "required" : "optional")} field ({Describe(_newRoot, newProperty)})", backward: isRequired, forward: false);
            }
        }
    }

    private void CompareTypes(List<string>? oldTypes, List<string>? newTypes, string path)
    {
        var backward = !Accepts(reader: newTypes, writer: oldTypes);
        var forward = !Accepts(reader: oldTypes, writer: newTypes);
        if (backward || forward)
        {
            Add(path, SchemaChangeKind.TypeChanged, $"type changed from {Describe(oldTypes)} to {Describe(newTypes)}", backward, forward);
        }
    }

    private void CompareEnums(JsonObject oldSchema, JsonObject newSchema, string path)
    {
        var oldValues = oldSchema["enum"] as JsonArray;
        var newValues = newSchema["enum"] as JsonArray;
        if (oldValues is null && newValues is null)
        {
            return;
        }

        // A missing enum accepts every value: dropping it widens the field, adding one narrows it.
        var removed = oldValues is null ? null : Missing(oldValues, newValues);
        var added = newValues is null ? null : Missing(newValues, oldValues);
        if (newValues is not null && (oldValues is null || removed!.Count > 0))
        {
            Add(path, SchemaChangeKind.EnumValuesRemoved, oldValues is null ? "values restricted to an enumeration" : $"enum values removed: {string.Join(", ", removed!)}", backward: true, forward: false);
        }

        if (oldValues is not null && (newValues is null || added!.Count > 0))
        {
            Add(path, SchemaChangeKind.EnumValuesAdded, newValues is null ? "enumeration removed: any value allowed" : $"enum values added: {string.Join(", ", added!)}", backward: false, forward: true);
        }
    }

    private void CompareFormats(JsonObject oldSchema, JsonObject newSchema, string path)
    {
        var oldFormat = (string?)oldSchema["format"];
        var newFormat = (string?)newSchema["format"];
        if (!string.Equals(oldFormat, newFormat, StringComparison.Ordinal))
        {
            // Only the reader's format can reject a value: the one that has a format is the one that breaks.
            Add(path, SchemaChangeKind.FormatChanged, $"format changed from {oldFormat ?? "none"} to {newFormat ?? "none"}", backward: newFormat is not null, forward: oldFormat is not null);
        }
    }

    private void CompareCompositions(JsonObject oldSchema, JsonObject newSchema, string path)
    {
        foreach (var keyword in Compositions)
        {
            if (!JsonNode.DeepEquals(oldSchema[keyword], newSchema[keyword]))
            {
                Add(path, SchemaChangeKind.SchemaChanged, $"{keyword} changed (compared as a whole, not field by field)", backward: true, forward: true);
            }
        }
    }

    private void Add(string path, SchemaChangeKind kind, string description, bool backward, bool forward) =>
        _changes.Add(new SchemaChange(path, kind, description, backward, forward));

    /// <summary>Returns whether every JSON type <paramref name="writer"/> may produce is one <paramref name="reader"/> accepts.</summary>
    private static bool Accepts(List<string>? reader, List<string>? writer) =>
        reader is null || (writer is not null && writer.All(type => reader.Contains(type) || (type == "integer" && reader.Contains("number"))));

    private static bool Allows(List<string>? types, string type) => types is null || types.Contains(type);

    /// <summary>Returns the schema's <c>type</c> values, or <see langword="null"/> when it accepts any type.</summary>
    private static List<string>? Types(JsonObject schema)
    {
        List<string>? types = schema["type"] switch
        {
            JsonArray array => [.. array.Select(t => (string?)t).OfType<string>()],
            JsonValue value when value.TryGetValue(out string? type) => [type],
            _ => null,
        };

        // AllowReadingFromString (Herald's web defaults) exports numbers as "string | number" with a numeric pattern:
        // writers still write numbers, so the string is a reading leniency and comparing it would hide real changes.
        if (types is not null && schema["pattern"] is not null && types.Contains("string") && (types.Contains("number") || types.Contains("integer")))
        {
            types.Remove("string");
        }

        return types;
    }

    private static HashSet<string> Required(JsonObject schema) =>
        schema["required"] is JsonArray required ? [.. required.Select(r => (string?)r).OfType<string>()] : [];

    private static List<string> Missing(JsonArray values, JsonArray? from) =>
        [.. values.Where(v => from is null || !from.Any(f => JsonNode.DeepEquals(v, f))).Select(v => v?.ToJsonString() ?? "null")];

    private static string Describe(List<string>? types) => types is null ? "any" : string.Join(" | ", types);

    private static string Describe(JsonNode root, JsonNode? schema) => Resolve(root, schema) is var resolved && resolved["enum"] is JsonArray
        ? "enum"
        : Describe(Types(resolved));

    /// <summary>Follows <c>$ref</c> JSON pointers within <paramref name="root"/>; a boolean or missing schema counts as one that accepts anything.</summary>
    private static JsonObject Resolve(JsonNode root, JsonNode? schema)
    {
        for (var hops = 0; schema is JsonObject { } candidate && candidate["$ref"] is JsonValue reference; hops++)
        {
            if (hops > 64 || !reference.TryGetValue(out string? pointer) || !pointer.StartsWith('#'))
            {
                throw new JsonException($"Schema reference '{reference.ToJsonString()}' is not a JSON pointer into the same document.");
            }

            schema = Pointer(root, pointer);
        }

        // A fresh empty schema each time: JsonObject initialises itself lazily, so a shared one is not safe across threads.
        return schema as JsonObject ?? [];
    }

    private static JsonNode? Pointer(JsonNode root, string pointer)
    {
        Debug.Assert(pointer.StartsWith('#'), "Only same-document pointers are resolved.");
        var node = root;
        foreach (var token in pointer[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Uri.UnescapeDataString(token).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(name, out var child) => child,
                JsonArray array when int.TryParse(name, out var index) && index >= 0 && index < array.Count => array[index],
                _ => throw new JsonException($"Schema reference '{pointer}' points at nothing."),
            };
        }

        return node;
    }

    private static string Segment(string name) => Identifier().IsMatch(name) ? "." + name : $"['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$]*\z")]
    private static partial Regex Identifier();

    private sealed class ReferencePairComparer : IEqualityComparer<(JsonObject Old, JsonObject New)>
    {
        public static readonly ReferencePairComparer Instance = new();

        public bool Equals((JsonObject Old, JsonObject New) x, (JsonObject Old, JsonObject New) y) =>
            ReferenceEquals(x.Old, y.Old) && ReferenceEquals(x.New, y.New);

        public int GetHashCode((JsonObject Old, JsonObject New) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Old), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.New));
    }
}
