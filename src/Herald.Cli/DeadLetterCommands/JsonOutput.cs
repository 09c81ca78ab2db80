using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Herald.DeadLetters;
using Herald.Events;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>Writes the JSON that <c>--json</c> prints: dead letters in <see cref="DeadLetterJson"/>'s format, indented, data included.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,

        // Output for terminals and jq, never embedded in HTML: keep quotes, '<' and non-ASCII readable in messages.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one JSON document, then a newline, to <paramref name="output"/>.</summary>
    public static void WriteDocument(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            write(writer);
        }

        // The relaxed encoder escapes control characters but leaves format characters such as U+202E raw. Outside
        // strings a document holds only ASCII, and TerminalText writes what is left as \uXXXX, which is JSON's own
        // escape: the document stays valid and reads back the same.
        var json = Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
        foreach (var line in json.ReplaceLineEndings("\n").Split('\n'))
        {
            output.WriteLine(TerminalText.Escape(line));
        }
    }

    /// <summary>Writes the dead letters as a JSON array.</summary>
    public static void WriteArray(Utf8JsonWriter writer, IEnumerable<DeadLetter> letters)
    {
        writer.WriteStartArray();
        foreach (var letter in letters)
        {
            Write(writer, letter);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes one dead letter as <see cref="DeadLetterJson"/> does, so that <see cref="DeadLetterJson.Read(JsonElement)"/> reads it back.</summary>
    public static void Write(Utf8JsonWriter writer, DeadLetter letter)
    {
        // DeadLetterJson owns the format; only the envelope is written here, to survive payloads that are not valid JSON.
        var withoutData = letter with { Envelope = letter.Envelope with { Data = default }, Id = letter.Id };
        using var document = JsonDocument.Parse(DeadLetterJson.ToUtf8Bytes(withoutData));
        writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals("envelope"))
            {
                writer.WritePropertyName(property.Name);
                WriteEnvelope(writer, letter.Envelope);
            }
            else
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the envelope as a structured CloudEvent, with JSON data as JSON and anything else base64-encoded.</summary>
    public static void WriteEnvelope(Utf8JsonWriter writer, EventEnvelope envelope)
    {
        JsonDocument document;
        try
        {
            // Parsed and written again, rather than copied raw, so that the data is indented along with the rest.
            document = JsonDocument.Parse(CloudEventJson.ToUtf8Bytes(envelope));
        }
        catch (JsonException)
        {
            // A payload that claims to be JSON but is not (often why it was dead-lettered) cannot be embedded as
            // "data"; CloudEvents allows data_base64 whatever the content type, so it travels that way, byte for byte.
            using var attributes = JsonDocument.Parse(CloudEventJson.ToUtf8Bytes(envelope with { Data = default }));
            writer.WriteStartObject();
            foreach (var property in attributes.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteBase64String("data_base64", envelope.Data.Span);
            writer.WriteEndObject();
            return;
        }

        using (document)
        {
            document.RootElement.WriteTo(writer);
        }
    }

    /// <summary>Returns the envelope's attributes (no data), named and formatted as the structured CloudEvent has them.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Attributes(EventEnvelope envelope)
    {
        using var document = JsonDocument.Parse(CloudEventJson.ToUtf8Bytes(envelope with { Data = default }));
        return [.. document.RootElement.EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))];
    }
}
