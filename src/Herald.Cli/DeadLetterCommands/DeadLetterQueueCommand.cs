using System.CommandLine;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq</c>: the dead-letter queues of the consumer groups.</summary>
internal static class DeadLetterQueueCommand
{
    public static Command Create(CliContext context) => new("dlq", "Inspect, redrive and purge the dead-letter queues of the consumer groups")
    {
        ListCommand.Create(context),
        ShowCommand.Create(context),
        RedriveCommand.Create(context),
        PurgeCommand.Create(context),
    };
}
