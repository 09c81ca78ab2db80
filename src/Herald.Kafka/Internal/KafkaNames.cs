namespace Herald.Kafka.Internal;

/// <summary>Kafka's rules for topic names: 1 to 249 of <c>a-z A-Z 0-9 . _ -</c>, not <c>.</c> or <c>..</c>.</summary>
/// <remarks>Herald's topic and group names already keep to these characters; a redrive topic
/// (<c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c>) can still be too long.</remarks>
internal static class KafkaNames
{
    public const int MaxLength = 249;

    /// <summary>Returns what is wrong with <paramref name="topic"/> as a Kafka topic name, or <see langword="null"/>.</summary>
    public static string? Problem(string topic)
    {
        if (topic.Length is 0 or > MaxLength)
        {
            return $"Kafka topic name '{topic}' has {topic.Length} characters: Kafka takes 1 to {MaxLength}";
        }

        if (topic is "." or "..")
        {
            return $"'{topic}' cannot be a Kafka topic name";
        }

        foreach (var c in topic)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"Kafka topic name '{topic}' holds '{c}': Kafka takes only ASCII letters, digits, '.', '_' and '-'";
            }
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="topic"/> cannot be a Kafka topic.</summary>
    public static void Validate(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (Problem(topic) is { } problem)
        {
            throw new ArgumentException(problem + ".", nameof(topic));
        }
    }
}
