using System.CommandLine;
using System.Globalization;
using Herald.DeadLetters;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>What redrive and purge share: selection, safety catches, preview, confirmation and report.</summary>
internal static class ChangeCommand
{
    /// <summary>Applies the change to the dead letters <paramref name="filter"/> selects, or only returns them when <paramref name="dryRun"/>.</summary>
    public delegate ValueTask<IReadOnlyList<DeadLetter>> Apply(IDeadLetters deadLetters, DeadLetterFilter filter, bool dryRun, CancellationToken cancellationToken);

    /// <summary>Builds the command: its common, filter and selection options, then <paramref name="configure"/>'s own.</summary>
    public static Command Create(CliContext context, ChangeVerb verb, string description, Func<Command, Func<ParseResult, Apply>> configure, bool includeRedriven)
    {
        var common = new CommonOptions(context);
        var filters = new FilterOptions(context, includeRedriven);
        var selection = new SelectionOptions(verb);
        var command = new Command(verb.Name, description);
        selection.AddTo(command);
        common.AddTo(command);
        filters.AddTo(command);
        var apply = configure(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            context,
            () => RunAsync(context, parse, common, filters, selection, verb, apply(parse), cancellationToken),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, ParseResult parse, CommonOptions common, FilterOptions filters, SelectionOptions selection, ChangeVerb verb, Apply apply, CancellationToken cancellationToken)
    {
        var filter = selection.Resolve(parse, filters, verb.Name);
        common.Validate(parse);
        var dryRun = parse.GetValue(selection.DryRun);
        var confirmed = parse.GetValue(selection.Yes);
        var json = parse.GetValue(common.Json);

        // Checked before the dead letters are opened: a script that forgot --yes must fail the same way every time,
        // whether or not anything matches today.
        if (!dryRun && !confirmed && context.IsInputRedirected)
        {
            throw CliException.Usage($"refusing to {verb.Name} without --yes: stdin is not a terminal, so no one can confirm (preview with --dry-run).");
        }

        await using var session = await common.OpenAsync(parse, cancellationToken);
        var selected = await apply(session.DeadLetters, filter, true, cancellationToken);
        var missing = selection.Ids(parse).Where(id => !selected.Any(l => string.Equals(l.EventId, id, StringComparison.Ordinal))).ToList();
        if (missing.Count > 0)
        {
            // All or nothing: acting on the ids that exist would hide a typo in the others.
            var kind = (filter.IncludeRedriven ? "dead letter" : "pending dead letter") + (filters.AnyGiven(parse) ? " matching the filters" : string.Empty);
            throw new CliException(ExitCodes.NotFound, $"no {kind} has event id {string.Join(", ", missing)}; nothing was {verb.Past}.");
        }

        if (dryRun || selected.Count == 0)
        {
            Report(context, json, verb, selected, dryRun);
            return ExitCodes.Success;
        }

        if (!confirmed && !await context.Confirm($"{verb.Capitalized} {DeadLetterTable.Count(selected.Count)} ({ByGroup(selected)})?", cancellationToken))
        {
            CommandRunner.WriteError(context, $"aborted; nothing was {verb.Past}.");
            return ExitCodes.Success;
        }

        var changed = await apply(session.DeadLetters, filter, false, cancellationToken);
        Report(context, json, verb, changed, dryRun: false);
        return ExitCodes.Success;
    }

    private static void Report(CliContext context, bool json, ChangeVerb verb, IReadOnlyList<DeadLetter> letters, bool dryRun)
    {
        if (json)
        {
            JsonOutput.WriteDocument(context.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("action", verb.Name);
                writer.WriteBoolean("dryRun", dryRun);
                writer.WriteNumber("count", letters.Count);
                writer.WritePropertyName("deadLetters");
                JsonOutput.WriteArray(writer, letters);
                writer.WriteEndObject();
            });
            return;
        }

        if (letters.Count == 0)
        {
            context.Out.WriteLine($"No dead letters match; nothing to {verb.Name}.");
            return;
        }

        var count = DeadLetterTable.Count(letters.Count);
        context.CreateOutputConsole().Write(DeadLetterTable.Create(letters, dryRun ? $"would be {verb.Past}" : verb.Past));
        context.Out.WriteLine(dryRun
            ? $"Dry run: {count} would be {verb.Past} ({ByGroup(letters)}); nothing was changed."
            : $"{string.Concat(verb.Past[..1].ToUpperInvariant(), verb.Past[1..])} {count} ({ByGroup(letters)}).");
    }

    private static string ByGroup(IEnumerable<DeadLetter> letters) => string.Join(
        ", ",
        letters.GroupBy(l => l.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()}")));
}
