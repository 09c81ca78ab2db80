using System.CommandLine.Parsing;

namespace Herald.Cli.Parsing;

/// <summary>Parses an option that takes one of a few words, as the documentation spells them (lowercase).</summary>
/// <remarks>
/// System.CommandLine's own enum parsing names the CLR type and offers the members in their C# spelling
/// (<c>Herald.Cli.Brokers.BrokerKind</c>, <c>RabbitMQ</c>); a user typed a word from the docs and should read those words back.
/// </remarks>
internal static class Choice
{
    /// <summary>Returns the value of the word in <paramref name="result"/> (case-insensitive), or adds an error naming the
    /// words <paramref name="choices"/> allows and returns the first choice's value.</summary>
    /// <param name="result">The option's argument.</param>
    /// <param name="what">What the option chooses, for the message: <c>transport</c>, <c>mode</c>.</param>
    /// <param name="choices">The words, in the order the help lists them, and their values.</param>
    public static T Parse<T>(ArgumentResult result, string what, IReadOnlyList<(string Word, T Value)> choices)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        foreach (var (word, value) in choices)
        {
            if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        result.AddError($"unknown {what} '{text}'; use one of: {string.Join(", ", choices.Select(c => c.Word))}");
        return choices[0].Value;
    }
}
