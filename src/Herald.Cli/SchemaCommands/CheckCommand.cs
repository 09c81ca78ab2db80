using System.CommandLine;
using Herald.Cli.DeadLetterCommands;
using Herald.Cli.Parsing;
using Herald.Schemas;

namespace Herald.Cli.SchemaCommands;

/// <summary><c>herald schema check</c>: fails when the code's event schemas break the committed ones in the chosen mode.</summary>
internal static class CheckCommand
{
    private static readonly (string Word, string Value)[] Modes = [("backward", "backward"), ("forward", "forward"), ("full", "full")];

    public static Command Create(CliContext context)
    {
        var common = new AssemblyOptions();
        var schemasDirectory = new Option<string>("--schemas", "-s")
        {
            Description = "The directory of committed schemas, as 'herald schema export' writes it",
            HelpName = "DIR",
            DefaultValueFactory = _ => ExportCommand.DefaultDirectory,
        };
        var mode = new Option<string>("--mode", "-m")
        {
            Description = "backward: new consumers read old events; forward: old consumers read new events; full: both",
            HelpName = "MODE",
            DefaultValueFactory = _ => "backward",
            CustomParser = result => Choice.Parse(result, "mode", Modes),
        };
        var command = new Command("check", "Check the code's event schemas against the committed ones; exit 6 on a breaking change");
        common.AddTo(command);
        command.Add(schemasDirectory);
        command.Add(mode);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(context, () =>
        {
            var compatibility = Enum.Parse<SchemaCompatibilityMode>(parse.GetValue(mode)!, ignoreCase: true);
            var committed = CommittedSchemas.Read(parse.GetValue(schemasDirectory)!);
            var schemas = EventAssembly.LoadSchemas(parse.GetValue(common.Assembly)!, context);
            var results = SchemaCheck.Run(schemas, committed, compatibility);
            var breaking = results.Sum(r => r.Status == EventCheckStatus.Breaking ? r.Changes.Count(c => c.IsBreaking(compatibility)) : r.Failed ? 1 : 0);
            if (parse.GetValue(common.Json))
            {
                JsonOutput.WriteDocument(context.Out, writer => SchemaCheckOutput.WriteJson(writer, results, committed.Directory, compatibility, breaking));
            }
            else
            {
                SchemaCheckOutput.WriteText(context.Out, results, committed.Directory, compatibility, breaking);
            }

            if (breaking == 0)
            {
                return Task.FromResult(ExitCodes.Success);
            }

            CommandRunner.WriteError(context, $"{SchemaCheck.Plural(breaking, "breaking schema change")} ({Name(compatibility)} compatibility); see the list on stdout.");
            return Task.FromResult(ExitCodes.BreakingSchemaChanges);
        }, cancellationToken));
        return command;
    }

    /// <summary>Returns the mode as the command line spells it.</summary>
    public static string Name(SchemaCompatibilityMode mode) => mode.ToString().ToLowerInvariant();
}
