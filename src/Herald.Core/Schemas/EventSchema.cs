using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Schemas;

/// <summary>Holds the JSON Schema of one version of one event's payload, as <see cref="EventSchemas"/> generates it.</summary>
public sealed class EventSchema
{
    private static readonly JsonSerializerOptions FileFormat = new()
    {
        WriteIndented = true,

        // The same bytes on every OS, so that a re-export on Windows does not show up as a change.
        NewLine = "\n",

        // Schema files are read by people in reviews, never embedded in HTML: keep '+', '<' and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal EventSchema(string eventName, int version, Type eventType, JsonObject schema)
    {
        EventName = eventName;
        Version = version;
        EventType = eventType;
        Schema = schema;
    }

    /// <summary>Gets the stable event name, such as <c>order.created</c>.</summary>
    public string EventName { get; }

    /// <summary>Gets the schema version of the payload, at least 1.</summary>
    public int Version { get; }

    /// <summary>Gets the CLR type of the event.</summary>
    public Type EventType { get; }

    /// <summary>Gets the JSON Schema (draft 2020-12) of the payload, with the event's name and version in <c>$id</c>, <c>title</c> and <c>x-herald-*</c>.</summary>
    public JsonObject Schema { get; }

    /// <summary>Gets the path of the schema file relative to a schema directory: <c>&lt;event-name&gt;/v&lt;version&gt;.schema.json</c>.</summary>
    public string RelativePath => FileName(EventName, Version);

    /// <summary>Returns the relative path of the schema file of <paramref name="eventName"/> at <paramref name="version"/>.</summary>
    public static string FileName(string eventName, int version) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{eventName}/v{version}.schema.json");

    /// <summary>Returns the schema as the file holds it: indented JSON, <c>\n</c> line endings, a final newline; the same bytes on every run.</summary>
    public string ToJsonString() => Format(Schema);

    /// <summary>Returns <paramref name="schema"/> formatted as a schema file: indented JSON, <c>\n</c> line endings, a final newline.</summary>
    public static string Format(JsonNode schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.ToJsonString(FileFormat) + "\n";
    }

    /// <inheritdoc/>
    public override string ToString() => $"{EventName} v{Version} ({EventType.FullName})";
}
