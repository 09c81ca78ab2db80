using System.Text.Json;
using Herald.Schemas;

namespace Herald.Cli.SchemaCommands;

/// <summary>Writes the result of <c>herald schema check</c>: aligned text for people, one JSON document for scripts.</summary>
internal static class SchemaCheckOutput
{
    public static void WriteText(TextWriter output, IReadOnlyList<EventCheck> results, string directory, SchemaCompatibilityMode mode, int breaking)
    {
        var modeName = CheckCommand.Name(mode);
        output.WriteLine($"Checking {SchemaCheck.Plural(results.Count, "event schema")} against {directory} ({modeName} compatibility)");
        var width = results.Count == 0 ? 0 : results.Max(r => Label(r).Length);
        foreach (var result in results)
        {
            output.WriteLine($"  {Tag(result),-9}{Label(result).PadRight(width)}  {result.Note}");
            foreach (var change in result.Changes)
            {
                var verdict = change.IsBreaking(mode) ? $"BREAKS {Breaks(change)}" : "ok";
                output.WriteLine($"      {change.Path}: {change.Description}  [{verdict}]");
            }
        }

        output.WriteLine(breaking == 0
            ? $"No breaking changes ({modeName})."
            : $"{SchemaCheck.Plural(breaking, "breaking change")} in {SchemaCheck.Plural(results.Count(r => r.Failed), "event")} ({modeName}).");
    }

    public static void WriteJson(Utf8JsonWriter writer, IReadOnlyList<EventCheck> results, string directory, SchemaCompatibilityMode mode, int breaking)
    {
        writer.WriteStartObject();
        writer.WriteString("mode", CheckCommand.Name(mode));
        writer.WriteString("schemas", directory);
        writer.WriteBoolean("compatible", breaking == 0);
        writer.WriteNumber("breakingChanges", breaking);
        writer.WriteStartArray("events");
        foreach (var result in results)
        {
            writer.WriteStartObject();
            writer.WriteString("event", result.EventName);
            writer.WriteNumber("version", result.Version);
            writer.WriteString("status", Status(result.Status));
            if (result.ComparedWith is { } compared)
            {
                writer.WriteNumber("comparedWith", compared);
            }

            writer.WriteBoolean("failed", result.Failed);
            writer.WriteString("note", result.Note);
            writer.WriteStartArray("changes");
            foreach (var change in result.Changes)
            {
                writer.WriteStartObject();
                writer.WriteString("path", change.Path);
                writer.WriteString("kind", Status(change.Kind.ToString()));
                writer.WriteString("description", change.Description);
                writer.WriteBoolean("breaking", change.IsBreaking(mode));
                writer.WriteBoolean("breaksBackward", change.BreaksBackward);
                writer.WriteBoolean("breaksForward", change.BreaksForward);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string Label(EventCheck result) => result.Status == EventCheckStatus.Removed
        ? result.EventName
        : $"{result.EventName} v{result.Version}";

    private static string Tag(EventCheck result) => result.Status switch
    {
        EventCheckStatus.Compatible => "ok",
        EventCheckStatus.NewEvent or EventCheckStatus.NewVersion => "new",
        EventCheckStatus.NotCommitted => "skipped",
        EventCheckStatus.Removed => result.Failed ? "REMOVED" : "removed",
        _ => "BREAKING",
    };

    private static string Breaks(SchemaChange change) => (change.BreaksBackward, change.BreaksForward) switch
    {
        (true, true) => "backward+forward",
        (true, false) => "backward",
        _ => "forward",
    };

    private static string Status(EventCheckStatus status) => Status(status.ToString());

    // Kebab-case, as the other --json documents spell enum values ("handler-failed").
    private static string Status(string pascal) => string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
