using System.CommandLine;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq purge</c>: deletes dead letters for good.</summary>
internal static class PurgeCommand
{
    public static Command Create(CliContext context) => ChangeCommand.Create(
        context,
        new ChangeVerb("purge", "purged"),
        "Delete dead letters for good (pending ones unless --include-redriven); the events are not delivered again",
        _ => _ => (deadLetters, filter, dryRun, cancellationToken) => deadLetters.PurgeAsync(filter, dryRun, cancellationToken),
        includeRedriven: true);
}
