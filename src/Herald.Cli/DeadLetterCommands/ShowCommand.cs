using System.CommandLine;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq show</c>: everything about one event's dead letters, in every group that has one.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions(context);
        var eventId = new Argument<string>("event-id") { Description = "The event id" };
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
                throw new CliException(ExitCodes.NotFound, $"no dead letter for event id '{id}'{where}.");
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
