using System.CommandLine;
using Herald.DeadLetters;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>The arguments of a command that changes dead letters: which ones (ids, a filter or <c>--all</c>) and the safety catches.</summary>
internal sealed class SelectionOptions
{
    public SelectionOptions(ChangeVerb verb)
    {
        EventIds = new Argument<string[]>("id")
        {
            Description = $"The events to {verb.Name}, in every group that dead-lettered them: event ids, or dead-letter ids (event id~digest) where different messages reused an event id",
            Arity = ArgumentArity.ZeroOrMore,
        };
        All = new Option<bool>("--all") { Description = $"{verb.Capitalized} every pending dead letter (needed when no id or filter is given)" };
        DryRun = new Option<bool>("--dry-run", "-n") { Description = $"Print what would be {verb.Past} and change nothing" };
        Yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)" };
    }

    public Argument<string[]> EventIds { get; }

    public Option<bool> All { get; }

    public Option<bool> DryRun { get; }

    public Option<bool> Yes { get; }

    /// <summary>Adds the argument and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(EventIds);
        command.Add(All);
        command.Add(DryRun);
        command.Add(Yes);
    }

    /// <summary>Returns the ids given, without duplicates, in the order given.</summary>
    public IReadOnlyList<string> Ids(ParseResult parse) => [.. (parse.GetValue(EventIds) ?? []).Distinct(StringComparer.Ordinal)];

    /// <summary>Returns the selection the command line makes; an empty one is a usage error, never "everything".</summary>
    /// <exception cref="CliException">Nothing or contradictory things were selected.</exception>
    public DeadLetterFilter Resolve(ParseResult parse, FilterOptions filters, string verb)
    {
        var ids = Ids(parse);
        var all = parse.GetValue(All);
        var filtered = filters.AnyGiven(parse);
        if (all && (ids.Count > 0 || filtered))
        {
            throw CliException.Usage("--all selects every pending dead letter: give it alone, or give event ids and filters without it.");
        }

        if (!all && ids.Count == 0 && !filtered)
        {
            throw CliException.Usage($"say which dead letters to {verb}: event ids, a filter (--group, --topic, --type, --exception, --since, --until), or --all.");
        }

        return filters.ToFilter(parse, ids.Count > 0 ? ids : null);
    }
}
