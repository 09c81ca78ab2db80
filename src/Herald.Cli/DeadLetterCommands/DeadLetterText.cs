using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.DeadLetters;
using Herald.Events;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>Writes one event's dead letters for a human: plain aligned text that survives pipes and copy-paste.</summary>
internal static class DeadLetterText
{
    private const int LabelWidth = 18;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes each message once, then each group's dead letter of it: status, failure with stack trace, and history.</summary>
    /// <remarks>Different messages that reused one event id are different dead letters (their ids differ): each is written with its own envelope.</remarks>
    public static void Write(TextWriter output, IReadOnlyList<DeadLetter> letters)
    {
        var messages = letters.GroupBy(l => l.Id, StringComparer.Ordinal).ToList();
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                output.WriteLine();
            }

            WriteMessage(output, [.. messages[i]]);
        }
    }

    private static void WriteMessage(TextWriter output, IReadOnlyList<DeadLetter> letters)
    {
        var envelope = letters[0].Envelope;
        Line(output, $"Event {envelope.EventId}: {envelope.EventType}, dead-lettered in {Plural(letters.Count, "group")}");
        Field(output, "dead-letter id", letters[0].Id);
        output.WriteLine();
        Line(output, "Envelope");
        foreach (var (name, value) in JsonOutput.Attributes(envelope))
        {
            Field(output, name, value);
        }

        output.WriteLine();
        Line(output, string.Create(CultureInfo.InvariantCulture, $"Data ({envelope.DataContentType}, {Plural(envelope.Data.Length, "byte")})"));
        WriteIndented(output, Data(envelope), "  ");
        foreach (var letter in letters)
        {
            output.WriteLine();
            Line(output, $"Group {letter.Group} (topic {letter.Topic}): {DeadLetterJson.Name(letter.Status)}");
            if (letter.RedrivenAt is { } redrivenAt)
            {
                Field(output, "redriven at", DeadLetterTable.Time(redrivenAt));
            }

            WriteFailure(output, letter.Failure, "  ");
            Line(output, letter.History.Count == 0
                ? "  history: none (first episode)"
                : $"  history: {Plural(letter.History.Count, "earlier episode")}, oldest first");
            for (var i = 0; i < letter.History.Count; i++)
            {
                Line(output, string.Create(CultureInfo.InvariantCulture, $"    #{i + 1}"));
                WriteFailure(output, letter.History[i], "      ");
            }
        }
    }

    private static void WriteFailure(TextWriter output, DeadLetterFailure failure, string indent)
    {
        Field(output, "reason", DeadLetterJson.Name(failure.Reason), indent);
        Field(output, "exception", failure.ExceptionType, indent);
        Field(output, "message", failure.ExceptionMessage, indent);
        Field(output, "handler", failure.Handler ?? "(none called)", indent);
        Field(output, "attempts", failure.Attempts.ToString(CultureInfo.InvariantCulture), indent);
        Field(output, "first failure", DeadLetterTable.Time(failure.FirstFailureAt), indent);
        Field(output, "last failure", DeadLetterTable.Time(failure.LastFailureAt), indent);
        Field(output, "dead-lettered", DeadLetterTable.Time(failure.DeadLetteredAt), indent);
        if (failure.RedrivenAt is { } redrivenAt)
        {
            Field(output, "redriven", DeadLetterTable.Time(redrivenAt), indent);
        }

        if (!string.IsNullOrEmpty(failure.StackTrace))
        {
            Line(output, $"{indent}stack trace:");
            WriteIndented(output, failure.StackTrace, indent + "  ");
        }
    }

    private static string Data(EventEnvelope envelope)
    {
        if (envelope.Data.IsEmpty)
        {
            return "(empty)";
        }

        if (IsJson(envelope.DataContentType))
        {
            try
            {
                using var document = JsonDocument.Parse(envelope.Data);
                return JsonSerializer.Serialize(document.RootElement, Indented);
            }
            catch (JsonException e)
            {
                return $"(not valid JSON: {e.Message})\n{Text(envelope.Data)}";
            }
        }

        return envelope.DataContentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            ? Text(envelope.Data)
            : "base64: " + Convert.ToBase64String(envelope.Data.Span);
    }

    // Invalid UTF-8 shows as U+FFFD rather than failing: the operator is looking at a payload that broke a handler.
    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("text/json", StringComparison.OrdinalIgnoreCase);

    private static void Field(TextWriter output, string label, string value, string indent = "  ") =>
        Line(output, $"{indent}{(label + ":").PadRight(LabelWidth)}{value}");

    // Every line goes out escaped: ids, attributes, payload and exception text are whatever the publisher or handler made them.
    private static void Line(TextWriter output, string line) => output.WriteLine(TerminalText.Escape(line));

    private static void WriteIndented(TextWriter output, string text, string indent)
    {
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            Line(output, indent + line);
        }
    }

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
