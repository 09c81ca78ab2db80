namespace Herald.Server.Internal;

/// <summary>Kafka's rules for a topic name a client may create: 1 to 249 of <c>a-z A-Z 0-9 . _ -</c>, not <c>.</c> or <c>..</c>.</summary>
internal static class TopicNames
{
    public const int MaxLength = 249;

    /// <summary>The prefix of the topics that hold Herald's own state (dead letters, redelivery schedules, sequence
    /// positions, consumer groups): herald serve reports them as internal and does not delete them.</summary>
    public const string HeraldPrefix = "__herald.";

    /// <summary>Returns what is wrong with <paramref name="name"/>, or <see langword="null"/>.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "a topic name cannot be empty";
        }

        if (name.Length > MaxLength)
        {
            return $"a topic name has at most {MaxLength} characters, not {name.Length}";
        }

        if (name is "." or "..")
        {
            return $"'{name}' cannot be a topic name";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"'{name}' holds '{c}': a topic name has only ASCII letters, digits, '.', '_' and '-'";
            }
        }

        return null;
    }
}
