using System.CommandLine;
using System.CommandLine.Parsing;

namespace Herald.Cli.Parsing;

/// <summary>Describes what is wrong with a command line in one sentence: an unknown command or option with the nearest
/// known one, an option given twice, or the parser's first complaint.</summary>
internal static class UsageErrors
{
    // Farther than this, a "did you mean" guesses rather than corrects a typo.
    private const int MaxEditDistance = 2;

    /// <summary>Returns the error for a command line that must not run, or null when it may.</summary>
    /// <remarks>An option given twice is an error even when the parser accepts it: the last value would win silently,
    /// and a user who typed two data directories meant one of them.</remarks>
    public static string? Describe(ParseResult parse)
    {
        var path = CommandPath(parse.CommandResult);
        if (parse.UnmatchedTokens.Count > 0)
        {
            // The first unknown word explains the rest (after 'dlqq', 'list' is unknown too).
            return Unknown(parse.CommandResult.Command, parse.UnmatchedTokens[0], path);
        }

        if (Repeated(parse.CommandResult) is { } repeated)
        {
            return $"{repeated} was given more than once; give it once. See '{path} --help'.";
        }

        if (parse.Errors.Count == 0)
        {
            return null;
        }

        var messages = parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct(StringComparer.Ordinal);
        return $"{string.Join("; ", messages)}. See '{path} --help'.";
    }

    private static string Unknown(Command command, string token, string path)
    {
        var isOption = token.StartsWith('-');
        var kind = isOption ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
        var known = isOption
            ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var suggestion = Nearest(token, known);
        var hint = suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?";
        return $"unknown {kind} '{token}' for '{path}'.{hint} See '{path} --help'.";
    }

    private static string? Repeated(CommandResult command)
    {
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            foreach (var option in current.Children.OfType<OptionResult>())
            {
                if (option.IdentifierTokenCount > 1 && option.Option.Arity.MaximumNumberOfValues <= 1)
                {
                    return option.Option.Name;
                }
            }
        }

        return null;
    }

    /// <summary>Returns the known word nearest to <paramref name="typed"/> within <see cref="MaxEditDistance"/> edits
    /// (or one that starts with it), or null.</summary>
    internal static string? Nearest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && typed.TrimStart('-').Length >= 2
                ? 0
                : Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance && distance <= Math.Min(MaxEditDistance, candidate.TrimStart('-').Length / 2))
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    // Levenshtein distance, two rows.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (var result = command; result is not null; result = result.Parent as CommandResult)
        {
            names.Add(result.Command is RootCommand ? "herald" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
