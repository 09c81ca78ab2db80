using System.CommandLine;
using System.Text;
using Herald.Cli.DeadLetterCommands;

namespace Herald.Cli.SchemaCommands;

/// <summary><c>herald schema export</c>: writes one schema file per event and version; never deletes one.</summary>
internal static class ExportCommand
{
    /// <summary>The schema directory when <c>--out</c> (export) or <c>--schemas</c> (check) is not given.</summary>
    public const string DefaultDirectory = "schemas";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static Command Create(CliContext context)
    {
        var common = new AssemblyOptions();
        var output = new Option<string>("--out", "-o")
        {
            Description = "The schema directory; files go to DIR/<event-name>/v<version>.schema.json",
            HelpName = "DIR",
            DefaultValueFactory = _ => DefaultDirectory,
        };
        var command = new Command("export", "Write the JSON Schema of every [Event] type in an assembly, one file per event and version");
        common.AddTo(command);
        command.Add(output);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(context, async () =>
        {
            var schemas = EventAssembly.LoadSchemas(parse.GetValue(common.Assembly)!, context);
            var directory = parse.GetValue(output)!;
            var written = new List<(Herald.Schemas.EventSchema Schema, string Path, string Status)>();
            foreach (var schema in schemas)
            {
                var path = Path.Combine(directory, schema.RelativePath);
                var text = schema.ToJsonString();
                var status = !File.Exists(path) ? "created"
                    : string.Equals(await File.ReadAllTextAsync(path, cancellationToken), text, StringComparison.Ordinal) ? "unchanged"
                    : "updated";
                if (status != "unchanged")
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.WriteAllTextAsync(path, text, Utf8, cancellationToken);
                }

                written.Add((schema, path, status));
            }

            if (parse.GetValue(common.Json))
            {
                JsonOutput.WriteDocument(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("directory", Path.GetFullPath(directory));
                    writer.WriteStartArray("schemas");
                    foreach (var (schema, path, status) in written)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("event", schema.EventName);
                        writer.WriteNumber("version", schema.Version);
                        writer.WriteString("type", schema.EventType.FullName);
                        writer.WriteString("path", path);
                        writer.WriteString("status", status);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            foreach (var (schema, path, status) in written)
            {
                context.Out.WriteLine($"{status,-10}{path}  ({schema.EventType.FullName})");
            }

            var counts = string.Join(", ", written.GroupBy(w => w.Status).Select(g => $"{g.Count()} {g.Key}"));
            context.Out.WriteLine(written.Count == 0
                ? "No [Event] types found; nothing written."
                : $"Exported {SchemaCheck.Plural(written.Count, "event schema")} to {directory}{(counts.Length > 0 ? $" ({counts})" : string.Empty)}.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
