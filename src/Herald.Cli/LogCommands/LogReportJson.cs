using Herald.Cli.DeadLetterCommands;
using Herald.Log;

namespace Herald.Cli.LogCommands;

/// <summary>Writes <c>herald log --json</c>: the report as one JSON document.</summary>
internal static class LogReportJson
{
    public static void Write(TextWriter output, LogReport report) => JsonOutput.WriteDocument(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("directory", report.Directory);
        writer.WriteBoolean("healthy", report.IsHealthy);
        writer.WriteStartArray("partitions");
        foreach (var partition in report.Partitions)
        {
            writer.WriteStartObject();
            writer.WriteString("topic", partition.Topic);
            writer.WriteNumber("partition", partition.Id);
            writer.WriteString("name", partition.Name);
            WriteNumberOrNull(writer, "startOffset", partition.StartOffset);
            WriteNumberOrNull(writer, "endOffset", partition.EndOffset);
            writer.WriteNumber("sizeBytes", partition.SizeInBytes);
            writer.WriteNumber("segments", partition.Segments);
            writer.WriteNumber("tornTailBytes", partition.TornBytes);
            writer.WriteBoolean("damaged", partition.Damage is not null);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("damaged");
        foreach (var damage in report.Damaged)
        {
            WriteDamage(writer, damage, report.Directory);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("tornTails");
        foreach (var tail in report.TornTails)
        {
            writer.WriteStartObject();
            writer.WriteString("file", tail.FileName);
            writer.WriteNumber("position", tail.Position);
            writer.WriteNumber("bytes", tail.TruncatedBytes);
            writer.WriteString("reason", tail.Reason);
            writer.WriteBoolean("leftInPlace", tail.LeftInPlace);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("skipped");
        foreach (var entry in report.Skipped)
        {
            writer.WriteStringValue(entry);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("groups");
        foreach (var position in report.Groups)
        {
            writer.WriteStartObject();
            writer.WriteString("group", position.Group);
            writer.WriteString("topic", position.Topic);
            writer.WriteNumber("partition", position.Partition);
            writer.WriteNumber("committedOffset", position.Committed);
            WriteNumberOrNull(writer, "lag", position.Lag);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteDamage(System.Text.Json.Utf8JsonWriter writer, LogDamage damage, string directory)
    {
        writer.WriteStartObject();
        writer.WriteString("topic", damage.Topic);
        writer.WriteNumber("partition", damage.Partition);
        writer.WriteString("name", damage.PartitionName);
        writer.WriteString("file", damage.FileName);
        writer.WriteNumber("position", damage.Position);
        WriteNumberOrNull(writer, "bytesAffected", LogWarnings.AffectedBytes(damage));
        writer.WriteString("problem", LogWarnings.Problem(damage));
        if (damage.Partition >= 0)
        {
            writer.WriteString("repairCommand", LogWarnings.RepairCommand(directory, damage));
        }
        else
        {
            writer.WriteNull("repairCommand");
        }

        writer.WriteEndObject();
    }

    private static void WriteNumberOrNull(System.Text.Json.Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
