using System.CommandLine;
using System.Globalization;

namespace Herald.Cli.DeadLetterCommands;

/// <summary><c>herald dlq list</c>: the dead letters matching a filter, oldest first.</summary>
internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions(context);
        var filters = new FilterOptions(context, includeRedriven: true);
        var limit = new Option<int?>("--limit")
        {
            Description = "Show at most N dead letters, the oldest",
            HelpName = "N",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
                {
                    return value;
                }

                result.AddError($"--limit '{text}' is not a positive whole number.");
                return null;
            },
        };

        var command = new Command("list", "List dead letters, oldest first (pending ones unless --include-redriven)");
        common.AddTo(command);
        filters.AddTo(command);
        command.Add(limit);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(context, async () =>
        {
            var filter = filters.ToFilter(parse);
            await using var session = await common.OpenAsync(parse, DataDirectoryAccess.ReadOnly, cancellationToken);
            var letters = await session.DeadLetters.ListAsync(filter, cancellationToken);
            var shown = parse.GetValue(limit) is { } max ? letters.Take(max).ToList() : letters;
            DeadLetterTable.WarnUnreadable(context, session);
            if (parse.GetValue(common.Json))
            {
                JsonOutput.WriteDocument(context.Out, writer => JsonOutput.WriteArray(writer, shown));
                return ExitCodes.Success;
            }

            var caption = shown.Count == letters.Count
                ? DeadLetterTable.Count(letters.Count)
                : string.Create(CultureInfo.InvariantCulture, $"{shown.Count} of {DeadLetterTable.Count(letters.Count)} (--limit)");
            context.CreateOutputConsole().Write(DeadLetterTable.Create(shown, caption));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
