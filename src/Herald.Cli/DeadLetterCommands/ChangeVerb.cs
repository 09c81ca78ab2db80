namespace Herald.Cli.DeadLetterCommands;

/// <summary>The words a change command uses about itself.</summary>
/// <param name="Name">The command and verb: <c>redrive</c>.</param>
/// <param name="Past">Its past participle: <c>redriven</c>.</param>
internal sealed record ChangeVerb(string Name, string Past)
{
    /// <summary>Gets the verb with a capital initial, to start a sentence.</summary>
    public string Capitalized => string.Concat(Name[..1].ToUpperInvariant(), Name[1..]);
}
