using System.CommandLine;
using System.Globalization;
using Herald.DeadLetters;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq redrive</c>: sends pending dead letters back to the group that failed them, and to no other.</summary>
internal static class RedriveCommand
{
    public static Command Create(CliContext context) => ChangeCommand.Create(
        context,
        new ChangeVerb("redrive", "redriven"),
        "Send pending dead letters back to the consumer group that failed them (only that group sees them again)",
        command =>
        {
            var rate = new Option<double?>("--rate")
            {
                Description = "Send at most N events per second [default: no limit]",
                HelpName = "N",
                CustomParser = result =>
                {
                    var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value))
                    {
                        return value;
                    }

                    result.AddError($"--rate '{text}' is not a positive number of events per second.");
                    return null;
                },
            };
            command.Add(rate);
            return parse => (deadLetters, filter, dryRun, cancellationToken) =>
                deadLetters.RedriveAsync(filter, new RedriveOptions { DryRun = dryRun, MaxPerSecond = parse.GetValue(rate) }, cancellationToken);
        },
        includeRedriven: false,
        letter => DeadLetterQueues.RedriveTopic(letter.Topic, letter.Group));
}
