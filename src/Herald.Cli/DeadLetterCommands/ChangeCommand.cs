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
    /// <param name="context">The streams, terminal and data the command works with.</param>
    /// <param name="verb">The command's name and past participle.</param>
    /// <param name="description">The help text.</param>
    /// <param name="configure">Adds the command's own options and returns how it applies the change.</param>
    /// <param name="includeRedriven">Whether <c>--include-redriven</c> is offered.</param>
    /// <param name="writesTo">The log topic, besides the dead letters', that the change appends a dead letter to, if any.</param>
    public static Command Create(
        CliContext context, ChangeVerb verb, string description, Func<Command, Func<ParseResult, Apply>> configure, bool includeRedriven, Func<DeadLetter, string>? writesTo = null)
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
            () => RunAsync(context, parse, new Parts(common, filters, selection, verb, apply(parse), writesTo), cancellationToken),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, Parts parts, CancellationToken cancellationToken)
    {
        var filter = parts.Selection.Resolve(parse, parts.Filters, parts.Verb.Name);
        parts.Common.Validate(parse);
        var dryRun = parse.GetValue(parts.Selection.DryRun);
        var json = parse.GetValue(parts.Common.Json);

        // Checked before the dead letters are opened: a script that forgot --yes must fail the same way every time,
        // whether or not anything matches today.
        if (!dryRun && !parse.GetValue(parts.Selection.Yes) && context.IsInputRedirected)
        {
            throw CliException.Usage($"refusing to {parts.Verb.Name} without --yes: stdin is not a terminal, so no one can confirm (preview with --dry-run).");
        }

        // Selecting, previewing and asking change nothing, however long the operator takes to answer: the data directory
        // is open read-only until the change is confirmed.
        var reading = await parts.Common.OpenAsync(parse, DataDirectoryAccess.ReadOnly, cancellationToken);
        IReadOnlyList<DeadLetter> selected;
        try
        {
            selected = await parts.Apply(reading.DeadLetters, filter, true, cancellationToken);
            ThrowIfMissing(parse, parts, filter, selected);
            EnsureWritable(reading, selected, parts);
            if (dryRun || selected.Count == 0)
            {
                Report(context, json, parts.Verb, selected, dryRun);
                return ExitCodes.Success;
            }

            if (!await ConfirmAsync(context, parse, parts, reading, selected, cancellationToken))
            {
                CommandRunner.WriteError(context, $"aborted; nothing was {parts.Verb.Past}.");
                return ExitCodes.Success;
            }

            if (!reading.IsReadOnly)
            {
                ReportChange(context, json, parts.Verb, selected, await parts.Apply(reading.Only(selected), filter, false, cancellationToken));
                return ExitCodes.Success;
            }
        }
        finally
        {
            await reading.DisposeAsync();
        }

        // Reopened for writing only now, and acting on exactly the confirmed dead letters, never on what the filter finds anew.
        await using var writing = await parts.Common.OpenAsync(parse, DataDirectoryAccess.Writable, cancellationToken);
        EnsureWritable(writing, selected, parts);
        ReportChange(context, json, parts.Verb, selected, await parts.Apply(writing.Only(selected), filter, false, cancellationToken));
        return ExitCodes.Success;
    }

    private static void ThrowIfMissing(ParseResult parse, Parts parts, DeadLetterFilter filter, IReadOnlyList<DeadLetter> selected)
    {
        var ids = parts.Selection.Ids(parse);
        var missing = ids.Where(id => !selected.Any(l => string.Equals(l.EventId, id, StringComparison.Ordinal) || string.Equals(l.Id, id, StringComparison.Ordinal))).ToList();
        if (missing.Count > 0)
        {
            // All or nothing: acting on the ids that exist would hide a typo in the others.
            var kind = (filter.IncludeRedriven ? "dead letter" : "pending dead letter") + (parts.Filters.AnyGiven(parse) ? " matching the filters" : string.Empty);
            throw new CliException(ExitCodes.NotFound, $"no {kind} has event id or dead-letter id {string.Join(", ", missing)}; nothing was {parts.Verb.Past}.");
        }

        // An event id that different messages reused names several dead letters of one group: acting on all of them
        // may not be what the operator meant, so the dead-letter ids, which name one each, are asked for.
        foreach (var id in ids)
        {
            var named = selected.Where(l => string.Equals(l.EventId, id, StringComparison.Ordinal)).ToList();
            var distinct = named.Select(l => l.Id).Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count > 1 && !distinct.All(ids.Contains))
            {
                throw CliException.Usage(
                    $"event id '{id}' is ambiguous: {distinct.Count} different messages were dead-lettered with it ({string.Join(", ", distinct)}); " +
                    $"give the dead-letter id of each one to {parts.Verb.Name}; nothing was {parts.Verb.Past}.");
            }
        }
    }

    // A damaged topic the change would append to fails before anything is changed, rather than part-way through.
    private static void EnsureWritable(DeadLetterSession session, IReadOnlyList<DeadLetter> selected, Parts parts)
    {
        if (session.Log is not { } log || parts.WritesTo is null)
        {
            return;
        }

        foreach (var topic in selected.Select(parts.WritesTo).Distinct(StringComparer.Ordinal))
        {
            DataDirectory.EnsureUndamaged(log, topic, $"the dead letters for it cannot be {parts.Verb.Past}");
        }
    }

    private static async Task<bool> ConfirmAsync(
        CliContext context, ParseResult parse, Parts parts, DeadLetterSession reading, IReadOnlyList<DeadLetter> selected, CancellationToken cancellationToken)
    {
        if (parse.GetValue(parts.Selection.Yes))
        {
            return true;
        }

        var question = $"{parts.Verb.Capitalized} {DeadLetterTable.Count(selected.Count)} ({TerminalText.Escape(ByGroup(selected))})?";
        var torn = reading.Log?.Recoveries.Where(r => r.LeftInPlace).ToList() ?? [];
        if (torn.Count > 0)
        {
            // Opening the log to write recovers it as the application would; the operator should know before saying yes.
            question += string.Create(CultureInfo.InvariantCulture, $" Opening the log to write also cuts the {torn.Count} torn tail(s) warned about above ({torn.Sum(r => r.TruncatedBytes)} bytes never acknowledged).");
        }

        return await context.Confirm(question, cancellationToken);
    }

    private static void ReportChange(CliContext context, bool json, ChangeVerb verb, IReadOnlyList<DeadLetter> confirmed, IReadOnlyList<DeadLetter> changed)
    {
        Report(context, json, verb, changed, dryRun: false);
        if (changed.Count < confirmed.Count)
        {
            CommandRunner.WriteWarning(
                context,
                string.Create(CultureInfo.InvariantCulture, $"{confirmed.Count - changed.Count} of the {confirmed.Count} confirmed dead letters changed or went away after they were listed, and were left alone."));
        }
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
        context.Out.WriteLine(TerminalText.Escape(dryRun
            ? $"Dry run: {count} would be {verb.Past} ({ByGroup(letters)}); nothing was changed."
            : $"{string.Concat(verb.Past[..1].ToUpperInvariant(), verb.Past[1..])} {count} ({ByGroup(letters)})."));
    }

    private static string ByGroup(IEnumerable<DeadLetter> letters) => string.Join(
        ", ",
        letters.GroupBy(l => l.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()}")));

    private sealed record Parts(CommonOptions Common, FilterOptions Filters, SelectionOptions Selection, ChangeVerb Verb, Apply Apply, Func<DeadLetter, string>? WritesTo);
}
