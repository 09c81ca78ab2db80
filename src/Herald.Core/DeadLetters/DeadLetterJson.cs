using System.Globalization;
using System.Text.Json;
using Herald.Events;

namespace Herald.DeadLetters;

/// <summary>Reads and writes dead letters as JSON: the envelope as a structured CloudEvent, then the failure and its history.</summary>
/// <remarks>The format stores dead letters on disk and is what <c>herald dlq list --json</c> prints.</remarks>
public static class DeadLetterJson
{
    /// <summary>Writes <paramref name="letter"/> as one JSON object.</summary>
    public static void Write(DeadLetter letter, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(letter);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("id", letter.Id);
        writer.WriteString("eventId", letter.EventId);
        writer.WriteString("eventType", letter.EventType);
        writer.WriteString("group", letter.Group);
        writer.WriteString("topic", letter.Topic);
        writer.WriteString("status", Name(letter.Status));
        if (letter.RedrivenAt is { } redriven)
        {
            writer.WriteString("redrivenAt", redriven);
        }

        if (letter.ParkedBehind is { } parkedBehind)
        {
            writer.WriteString("parkedBehind", parkedBehind);
        }

        writer.WritePropertyName("failure");
        WriteFailure(letter.Failure, writer);
        writer.WriteStartArray("history");
        foreach (var failure in letter.History)
        {
            WriteFailure(failure, writer);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("envelope");
        CloudEventJson.Write(letter.Envelope, writer);
        writer.WriteEndObject();
    }

    /// <summary>Returns <paramref name="letter"/> as UTF-8 JSON.</summary>
    public static byte[] ToUtf8Bytes(DeadLetter letter, bool indented = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(letter, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a dead letter written by <see cref="Write"/>.</summary>
    /// <exception cref="JsonException">The JSON is not a dead letter.</exception>
    public static DeadLetter Read(ReadOnlySpan<byte> utf8Json)
    {
        // Deeper than any writer nests: a letter wraps its event's data two levels down.
        using var document = JsonDocument.Parse(utf8Json.ToArray(), CloudEventJson.ReadOptions);
        return Read(document.RootElement);
    }

    /// <summary>Reads a dead letter written by <see cref="Write"/>.</summary>
    /// <exception cref="JsonException">The JSON is not a dead letter.</exception>
    public static DeadLetter Read(JsonElement element)
    {
        try
        {
            var letter = new DeadLetter
            {
                Group = element.GetProperty("group").GetString()!,
                Topic = element.GetProperty("topic").GetString()!,
                Status = element.GetProperty("status").GetString() == "redriven" ? DeadLetterStatus.Redriven : DeadLetterStatus.Pending,
                RedrivenAt = element.TryGetProperty("redrivenAt", out var redriven) ? redriven.GetDateTimeOffset() : null,
                ParkedBehind = element.TryGetProperty("parkedBehind", out var parkedBehind) ? parkedBehind.GetString() : null,
                Failure = ReadFailure(element.GetProperty("failure")),
                History = [.. element.GetProperty("history").EnumerateArray().Select(ReadFailure)],
                Envelope = CloudEventJson.Read(element.GetProperty("envelope")),
            };

            // Letters written before dead letters had ids of their own (docs/adr/0016) get the id of their envelope.
            return element.TryGetProperty("id", out var id) ? letter with { Id = id.GetString() ?? throw new FormatException("The dead letter's id is null.") } : letter;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new JsonException($"Not a dead letter: {e.Message}", e);
        }
    }

    private static void WriteFailure(DeadLetterFailure failure, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("reason", Name(failure.Reason));
        writer.WriteString("exceptionType", failure.ExceptionType);
        writer.WriteString("exceptionMessage", failure.ExceptionMessage);
        if (failure.StackTrace is not null)
        {
            writer.WriteString("stackTrace", failure.StackTrace);
        }

        if (failure.Handler is not null)
        {
            writer.WriteString("handler", failure.Handler);
        }

        writer.WriteNumber("attempts", failure.Attempts);
        writer.WriteString("firstFailureAt", failure.FirstFailureAt);
        writer.WriteString("lastFailureAt", failure.LastFailureAt);
        writer.WriteString("deadLetteredAt", failure.DeadLetteredAt);
        if (failure.RedrivenAt is { } redriven)
        {
            writer.WriteString("redrivenAt", redriven);
        }

        writer.WriteEndObject();
    }

    private static DeadLetterFailure ReadFailure(JsonElement element) => new(
        ParseReason(element.GetProperty("reason").GetString()!),
        element.GetProperty("exceptionType").GetString()!,
        element.GetProperty("exceptionMessage").GetString()!,
        element.TryGetProperty("stackTrace", out var stack) ? stack.GetString() : null,
        element.TryGetProperty("handler", out var handler) ? handler.GetString() : null,
        element.GetProperty("attempts").GetInt32(),
        element.GetProperty("firstFailureAt").GetDateTimeOffset(),
        element.GetProperty("lastFailureAt").GetDateTimeOffset(),
        element.GetProperty("deadLetteredAt").GetDateTimeOffset(),
        element.TryGetProperty("redrivenAt", out var redriven) ? redriven.GetDateTimeOffset() : null);

    /// <summary>Returns the JSON name of <paramref name="reason"/>: <c>handler-failed</c>, <c>undeserializable</c>, ….</summary>
    public static string Name(DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.HandlerFailed => "handler-failed",
        DeadLetterReason.Undeserializable => "undeserializable",
        DeadLetterReason.UnsupportedVersion => "unsupported-version",
        DeadLetterReason.FailedAtMostOnce => "failed-at-most-once",
        DeadLetterReason.Parked => "parked",
        DeadLetterReason.OutOfSequence => "out-of-sequence",
        DeadLetterReason.TooLarge => "too-large",
        _ => ((int)reason).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Returns the JSON name of <paramref name="status"/>: <c>pending</c> or <c>redriven</c>.</summary>
    public static string Name(DeadLetterStatus status) => status == DeadLetterStatus.Redriven ? "redriven" : "pending";

    private static DeadLetterReason ParseReason(string name) => name switch
    {
        "handler-failed" => DeadLetterReason.HandlerFailed,
        "undeserializable" => DeadLetterReason.Undeserializable,
        "unsupported-version" => DeadLetterReason.UnsupportedVersion,
        "failed-at-most-once" => DeadLetterReason.FailedAtMostOnce,
        "parked" => DeadLetterReason.Parked,
        "out-of-sequence" => DeadLetterReason.OutOfSequence,
        "too-large" => DeadLetterReason.TooLarge,
        _ => throw new FormatException($"Unknown dead-letter reason '{name}'."),
    };
}
