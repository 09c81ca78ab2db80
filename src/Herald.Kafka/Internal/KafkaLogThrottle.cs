namespace Herald.Kafka.Internal;

/// <summary>Lets a client's log line through once per <see cref="Window"/>: a broker that is down makes librdkafka log
/// the same failed connect many times a second, which would bury every other line.</summary>
/// <remarks>Lines are alike when they differ only in their digits and in a closing parenthesis (librdkafka ends a failed
/// connect with <c>(after 0ms in state CONNECT)</c>, or <c>(after 15ms in state CONNECT, 1 identical error(s)
/// suppressed)</c>). The first line of a kind is logged at once; one that comes again within the window is
/// counted, and the next one logged after the window says how many were left out.</remarks>
internal sealed class KafkaLogThrottle(TimeProvider timeProvider)
{
    /// <summary>How long a line of one kind keeps the same kind from being logged again.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    // Kinds of line seen: a client logs a few dozen kinds at most, but the table is bounded all the same.
    private const int MaxKinds = 256;

    private readonly Dictionary<string, (long LoggedAt, int Suppressed)> _kinds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Decides whether a line is logged.</summary>
    /// <param name="client">The client's name (librdkafka's <c>rdkafka#consumer-1</c>).</param>
    /// <param name="facility">librdkafka's facility (<c>FAIL</c>, <c>REQTMOUT</c>, …).</param>
    /// <param name="message">The line.</param>
    /// <param name="suppressed">When the line is logged: how many of its kind were left out since the last one logged.</param>
    /// <returns>Whether to log the line.</returns>
    public bool ShouldLog(string client, string facility, string message, out int suppressed)
    {
        var kind = Kind(client, facility, message);
        var now = timeProvider.GetTimestamp();
        lock (_lock)
        {
            if (_kinds.TryGetValue(kind, out var seen) && timeProvider.GetElapsedTime(seen.LoggedAt, now) < Window)
            {
                _kinds[kind] = seen with { Suppressed = seen.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            if (_kinds.Count >= MaxKinds && !_kinds.ContainsKey(kind))
            {
                _kinds.Clear();
            }

            suppressed = seen.Suppressed;
            _kinds[kind] = (now, 0);
            return true;
        }
    }

    private static string Kind(string client, string facility, string message)
    {
        if (message.EndsWith(')') && message.LastIndexOf(" (", StringComparison.Ordinal) is > 0 and var aside)
        {
            message = message[..aside];
        }

        return string.Create(client.Length + facility.Length + message.Length + 2, (client, facility, message), static (span, parts) =>
        {
            var at = 0;
            foreach (var part in (ReadOnlySpan<string>)[parts.client, parts.facility, parts.message])
            {
                foreach (var c in part)
                {
                    span[at++] = char.IsAsciiDigit(c) ? '#' : c;
                }

                if (at < span.Length)
                {
                    span[at++] = '\n';
                }
            }
        });
    }
}
