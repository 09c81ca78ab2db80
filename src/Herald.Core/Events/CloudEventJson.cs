using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Herald.Events;

/// <summary>Maps envelopes to and from CloudEvents structured content mode: one JSON document.</summary>
/// <remarks>
/// For an event that must stand alone (CLI output, HTTP, exports). JSON data is embedded as
/// <c>data</c>; any other content type travels base64-encoded as <c>data_base64</c>. Integer
/// extensions (<c>eventversion</c>, <c>depth</c>) are JSON numbers; <c>sequence</c> is a string,
/// as the Sequence extension defines it.
/// </remarks>
public static class CloudEventJson
{
    /// <summary>The media type of a structured-mode document.</summary>
    public const string MediaType = "application/cloudevents+json";

    /// <summary>Writes the envelope as one structured-mode JSON document.</summary>
    public static void Write(EventEnvelope envelope, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        EnvelopeAttributes.Visit(envelope, writer, static (w, name, value) =>
        {
            if (name is CloudEventAttributes.EventVersion or CloudEventAttributes.Depth)
            {
                w.WriteNumber(name, long.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                w.WriteString(name, value);
            }
        });
        writer.WriteString(CloudEventAttributes.DataContentType, envelope.DataContentType);
        // A JSON payload is embedded as JSON; one that is not valid JSON (a poison event kept in a dead letter) is kept
        // byte for byte as data_base64, with its content type unchanged.
        if (IsJson(envelope.DataContentType) && !envelope.Data.IsEmpty && IsValidJson(envelope.Data.Span))
        {
            writer.WritePropertyName("data");
            writer.WriteRawValue(envelope.Data.Span, skipInputValidation: false);
        }
        else if (!envelope.Data.IsEmpty)
        {
            writer.WriteBase64String("data_base64", envelope.Data.Span);
        }

        writer.WriteEndObject();
    }

    /// <summary>The deepest JSON data <see cref="Write"/> embeds as JSON; deeper data goes as <c>data_base64</c>.</summary>
    internal const int MaxEmbeddedDataDepth = 64;

    /// <summary>The depth readers of Herald's own documents allow: the embedded data plus room for what wraps it.</summary>
    /// <remarks>More than <see cref="MaxEmbeddedDataDepth"/>, so a document holding the deepest data one writer embeds is
    /// never too deep for the reader (a dead letter wraps the event two levels down).</remarks>
    internal const int ReadMaxDepth = MaxEmbeddedDataDepth + 64;

    internal static JsonDocumentOptions ReadOptions => new() { MaxDepth = ReadMaxDepth };

    // Valid JSON in valid UTF-8 only: the reader does not check the bytes inside strings, and a document with broken
    // UTF-8 embedded would be valid JSON to write but unreadable to anything that decodes it.
    private static bool IsValidJson(ReadOnlySpan<byte> data)
    {
        if (!System.Text.Unicode.Utf8.IsValid(data))
        {
            return false;
        }

        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = MaxEmbeddedDataDepth });
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Returns the envelope as a UTF-8 structured-mode JSON document.</summary>
    public static byte[] ToUtf8Bytes(EventEnvelope envelope, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + envelope.Data.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(envelope, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an envelope from a structured-mode JSON document.</summary>
    /// <exception cref="EventFormatException">The document is not JSON, or a required attribute is missing or malformed.</exception>
    public static EventEnvelope Read(ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json, ReadOptions);
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new EventFormatException($"The structured CloudEvent is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads an envelope from a structured-mode JSON element.</summary>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed.</exception>
    public static EventEnvelope Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new EventFormatException($"A structured CloudEvent is a JSON object, not {element.ValueKind}.");
        }

        var attributes = new List<KeyValuePair<string, string>>(16);
        ReadOnlyMemory<byte> data = default;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "data":
                    data = property.Value.ValueKind == JsonValueKind.String && !IsJsonAttribute(element)
                        ? System.Text.Encoding.UTF8.GetBytes(property.Value.GetString()!)
                        : JsonMarshal.GetRawUtf8Value(property.Value).ToArray();
                    break;
                case "data_base64":
                    data = property.Value.GetBytesFromBase64();
                    break;
                default:
                    attributes.Add(new(property.Name, AttributeText(property)));
                    break;
            }
        }

        return EnvelopeAttributes.Build(attributes, null, data);
    }

    private static bool IsJsonAttribute(JsonElement element) =>
        !element.TryGetProperty(CloudEventAttributes.DataContentType, out var type) || IsJson(type.GetString());

    private static string AttributeText(JsonProperty property) => property.Value.ValueKind switch
    {
        JsonValueKind.String => property.Value.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
        _ => throw new EventFormatException(
            $"The CloudEvents attribute '{property.Name}' is a JSON {property.Value.ValueKind}; attributes are strings, numbers or booleans."),
    };

    internal static bool IsJson(string? contentType) =>
        contentType is null
        || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("text/json", StringComparison.OrdinalIgnoreCase);
}
