using System.Globalization;
using System.Text;

namespace Herald.Nats.Internal;

/// <summary>Maps Herald's topic, group and event-id names to NATS stream, consumer, subject and key-value key names.</summary>
/// <remarks>
/// NATS gives '.' a meaning (subject token separator) and forbids it in stream and consumer names, while Herald's
/// names use it freely (<c>__herald.redrive.billing.orders</c>). <see cref="Token"/> escapes every character outside
/// <c>A-Z a-z 0-9 -</c> as <c>_XX</c> (hex of each UTF-8 byte), so '_' itself becomes <c>_5F</c>: the mapping is
/// injective (two topics never share a stream; <c>_P</c> before a partition number is never an escape) and the result is a legal subject token, stream, consumer and KV key.
/// </remarks>
internal static class NatsNames
{
    public static string Token(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.All(IsPlain))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in name.EnumerateRunes())
        {
            if (rune.IsAscii && IsPlain((char)rune.Value))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < length; i++)
            {
                builder.Append('_').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static string Stream(NatsTransportOptions options, string topic) => $"{options.StreamPrefix}_{Token(topic)}";

    public static string Subject(NatsTransportOptions options, string topic, int partition) =>
        $"{options.SubjectPrefix}.{Token(topic)}.{partition.ToString(CultureInfo.InvariantCulture)}";

    public static string SubjectWildcard(NatsTransportOptions options, string topic) => $"{options.SubjectPrefix}.{Token(topic)}.*";

    public static string Consumer(string group, int partition) => $"{Token(group)}_P{partition.ToString(CultureInfo.InvariantCulture)}";

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';
}
