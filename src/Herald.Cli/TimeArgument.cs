using System.Globalization;
using System.Text.RegularExpressions;

namespace Herald.Cli;

/// <summary>Reads a point in time: ISO-8601 (<c>2026-11-27T10:00:00Z</c>, <c>2026-11-27</c>) or an age (<c>90s</c>, <c>15m</c>, <c>1h30m</c>, <c>2d</c>, <c>1w</c>).</summary>
internal static partial class TimeArgument
{
    /// <summary>Describes the accepted forms, for help and error messages.</summary>
    public const string Forms = "ISO-8601 (2026-11-27T10:00:00Z, 2026-11-27) or an age (90s, 15m, 1h30m, 2d, 1w)";

    /// <summary>Parses <paramref name="text"/>; an age is counted back from <paramref name="now"/>. Times without an offset are UTC.</summary>
    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        var age = Age().Match(text);
        if (age.Success)
        {
            var span = TimeSpan.Zero;
            foreach (Capture part in age.Groups["part"].Captures)
            {
                if (!long.TryParse(part.Value.AsSpan(0, part.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                    || !TryAdd(ref span, count, part.Value[^1]))
                {
                    return false;
                }
            }

            if (span > now - DateTimeOffset.MinValue)
            {
                return false;
            }

            time = now - span;
            return true;
        }

        // Only ISO-shaped text reaches the lenient parser: "1/2/2026" means different days to different operators.
        return IsoDate().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    private static bool TryAdd(ref TimeSpan span, long count, char unit)
    {
        var seconds = unit switch
        {
            's' => 1L,
            'm' => 60L,
            'h' => 3_600L,
            'd' => 86_400L,
            _ => 604_800L,
        };
        if (count > TimeSpan.MaxValue.TotalSeconds / seconds / 2)
        {
            return false;
        }

        span += TimeSpan.FromSeconds(count * seconds);
        return true;
    }

    [GeneratedRegex(@"^(?<part>[0-9]+[smhdw])+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Age();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();
}
