using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Transports;

/// <summary>Shows broker connection strings without their credentials, whatever their format: for logs, errors and tools.</summary>
/// <remarks>
/// A connection string is often not a URI: NATS takes comma-separated URLs, people leave out the scheme or mistype it
/// (<c>amqps//user:pass@host</c>), or pass the password as a query parameter. Rather than parse, this hides everything
/// that could be a credential: from the start of an authority (after <c>//</c>, else after a comma, space or the
/// start) up to each <c>@</c>, and the value of every <c>password=</c>-like parameter. It errs towards hiding too much.
/// </remarks>
public static partial class ConnectionStrings
{
    private const string Hidden = "***";

    /// <summary>Returns <paramref name="connection"/> with user information and secret parameters replaced by <c>***</c>.</summary>
    public static string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var hidden = new bool[connection.Length];
        for (var at = connection.IndexOf('@', StringComparison.Ordinal); at >= 0; at = connection.IndexOf('@', at + 1))
        {
            // A password may itself hold '@', ',' or '/', so the authority starts at the nearest '//' if there is one.
            var slashes = connection.LastIndexOf("//", at, StringComparison.Ordinal);
            var start = slashes >= 0 ? slashes + 2 : connection.AsSpan(0, at).LastIndexOfAny(", ;") + 1;
            Array.Fill(hidden, true, start, at - start);
        }

        foreach (Match match in SecretParameter().Matches(connection))
        {
            var value = match.Groups["value"];
            Array.Fill(hidden, true, value.Index, value.Length);
        }

        var redacted = new StringBuilder(connection.Length);
        for (var i = 0; i < connection.Length; i++)
        {
            if (!hidden[i])
            {
                redacted.Append(connection[i]);
            }
            else if (i == 0 || !hidden[i - 1])
            {
                redacted.Append(Hidden);
            }
        }

        return redacted.ToString();
    }

    [GeneratedRegex(@"(?<=^|[?&;,\s])\s*(password|passwd|pass|pwd|secret|token|auth_token|nkey|seed|jwt)\s*=\s*(?<value>[^&;,\s#]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretParameter();
}
