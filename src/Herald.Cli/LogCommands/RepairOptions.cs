using System.CommandLine;

namespace Herald.Cli.LogCommands;

/// <summary>The options of <c>herald log repair</c>: which partition, and the safety catches.</summary>
internal sealed class RepairOptions(CliContext context)
{
    public Option<string> Data { get; } = DataDirectory.CreateOption(context, "The Herald data directory");

    public Option<string> Partition { get; } = new("--partition", "-p")
    {
        Description = "The damaged partition, as TOPIC-N ('herald log' and the application's log name it)",
        HelpName = "TOPIC-N",
        Required = true,
    };

    public Option<bool> DryRun { get; } = new("--dry-run", "-n") { Description = "Print what would be cut and change nothing" };

    public Option<bool> Yes { get; } = new("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)" };

    public Option<bool> Json { get; } = new("--json") { Description = "Write one JSON document to stdout, and nothing else" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Partition);
        command.Add(DryRun);
        command.Add(Yes);
        command.Add(Json);
    }
}
