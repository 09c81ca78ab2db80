using System.CommandLine;
using System.Globalization;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq show</c>: everything about one event's dead letters, in every group that has one.</summary>
/// <remarks>Takes an event id or a dead-letter id; an event id that different messages reused shows each of them, and says so.</remarks>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions(context);
        var eventId = new Argument<string>("id") { Description = "The event id, or a dead-letter id (event id~digest) to pick one message that reused it" };
        var group = new Option<string>("--group", "-g") { Description = "Only this consumer group's dead letter", HelpName = "GROUP" };
        var command = new Command("show", "Show an event's dead letters: failure with stack trace, history, envelope and data");
        command.Add(eventId);
        common.AddTo(command);
        command.Add(group);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(context, async () =>
        {
            var id = parse.GetValue(eventId)!;
            var onlyGroup = parse.GetValue(group);
            await using var session = await common.OpenAsync(parse, DataDirectoryAccess.ReadOnly, cancellationToken);
            var letters = (await session.DeadLetters.FindAsync(id, cancellationToken))
                .Where(l => onlyGroup is null || string.Equals(l.Group, onlyGroup, StringComparison.Ordinal))
                .ToList();
            if (letters.Count == 0)
            {
                var where = onlyGroup is null ? string.Empty : $" in group '{onlyGroup}'";
                throw new CliException(ExitCodes.NotFound, $"no dead letter has event id or dead-letter id '{id}'{where}.");
            }

            var ids = letters.Select(l => l.Id).Distinct(StringComparer.Ordinal).ToList();
            if (ids.Count > 1)
            {
                CommandRunner.WriteWarning(context, string.Create(
                    CultureInfo.InvariantCulture,
                    $"event id '{TerminalText.Escape(id)}' is ambiguous: {ids.Count} different messages were dead-lettered with it ({TerminalText.Escape(string.Join(", ", ids))}); give a dead-letter id to pick one."));
            }

            if (parse.GetValue(common.Json))
            {
                JsonOutput.WriteDocument(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("eventId", id);
                    writer.WritePropertyName("deadLetters");
                    JsonOutput.WriteArray(writer, letters);
                    writer.WriteEndObject();
                });
            }
            else
            {
                DeadLetterText.Write(context.Out, letters);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
