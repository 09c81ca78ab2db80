using System.Text.RegularExpressions;

namespace Herald.Internal;

/// <summary>Validates the names Herald puts on the wire and on disk.</summary>
internal static partial class Names
{
    public static void ValidateEventName(string name, Type type)
    {
        if (!EventName().IsMatch(name))
        {
            throw new InvalidOperationException(
                $"Event name '{name}' of {type.FullName} is invalid: use lowercase letters and digits joined by '.', '-' or '_', such as 'order.created'.");
        }
    }

    public static void ValidateTopicOrGroup(string name, string what)
    {
        if (!TopicOrGroup().IsMatch(name))
        {
            throw new InvalidOperationException(
                $"{what} name '{name}' is invalid: use 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-'.");
        }

        if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{what} name '{name}' is invalid: names starting with '{ReservedPrefix}' are Herald's own.");
        }
    }

    /// <summary>Checks that <paramref name="serviceName"/> can be a CloudEvents <c>source</c>: a URI reference (RFC 3986).</summary>
    public static void ValidateSource(string serviceName)
    {
        if (!UriReference().IsMatch(serviceName) || !Uri.TryCreate(serviceName, UriKind.RelativeOrAbsolute, out _))
        {
            throw new InvalidOperationException(
                $"HeraldOptions.ServiceName '{serviceName}' is not a URI reference, which the CloudEvents 'source' it becomes must be: "
                + "use letters, digits and '-', '.', '_', '~' or '/' (such as 'order-service' or '/shop/orders'), and percent-encode anything else.");
        }
    }

    /// <summary>Prefix of the topics Herald keeps for itself (redrives, dead letters, retry state); user topics cannot start with it.</summary>
    public const string ReservedPrefix = "__herald.";

    /// <summary>The topic through which redriven events of <paramref name="topic"/> reach <paramref name="group"/> only.</summary>
    public static string RedriveTopic(string topic, string group) => $"{RedriveTopicPrefix}{group}.{topic}";

    /// <summary>The start of every redrive topic's name.</summary>
    public const string RedriveTopicPrefix = ReservedPrefix + "redrive.";

    [GeneratedRegex(@"\A[a-z0-9]+([._-][a-z0-9]+)*\z")]
    private static partial Regex EventName();

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,249}\z")]
    private static partial Regex TopicOrGroup();

    // The characters RFC 3986 allows in a URI reference, with '%' only as the start of a percent-encoded octet.
    [GeneratedRegex(@"\A(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})+\z")]
    private static partial Regex UriReference();
}
