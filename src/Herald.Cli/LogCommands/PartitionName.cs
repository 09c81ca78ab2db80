using System.Globalization;

namespace Herald.Cli.LogCommands;

/// <summary>A partition as the operator names it: <c>topic-N</c>, the name of its directory and of <c>herald log</c>'s rows.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition number.</param>
internal sealed record PartitionName(string Topic, int Partition)
{
    private const string TopicCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

    /// <summary>Parses <c>topic-N</c>; the topic may hold dashes itself, the number follows the last one.</summary>
    /// <exception cref="CliException">A usage error (exit code 2).</exception>
    public static PartitionName Parse(string text)
    {
        var dash = text.LastIndexOf('-');
        if (dash > 0
            && int.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && text[..dash] is { Length: <= 200 } topic and not ("." or "..")
            && topic.All(TopicCharacters.Contains))
        {
            return new PartitionName(topic, partition);
        }

        throw CliException.Usage($"--partition '{text}' is not a partition: give TOPIC-N as 'herald log' lists it (orders-3).");
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Topic}-{Partition}");
}
