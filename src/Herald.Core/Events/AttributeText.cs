using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Events;

/// <summary>Formats and parses the text of integer and time attributes, as UTF-16 strings or straight as UTF-8.</summary>
/// <remarks>Both forms follow one set of rules: whatever the string parsers accept, the UTF-8 parsers accept, with the same value.</remarks>
internal static class AttributeText
{
    /// <summary>The length of a formatted time: <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>.</summary>
    public const int TimeLength = 28;

    /// <summary>The greatest length of a formatted integer: <c>-9223372036854775808</c>.</summary>
    public const int MaxIntegerLength = 20;

    // Where the seven fractional digits start in a formatted time, after "yyyy-MM-ddTHH:mm:ss.".
    private const int FractionStart = 20;

    // The slow path decodes time text up to this long on the stack, and longer text (no real timestamp) to a string.
    private const int MaxStackTimeLength = 128;

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes the text <see cref="FormatTime(DateTimeOffset)"/> returns, as UTF-8, and returns its length.</summary>
    public static int FormatTime(DateTimeOffset time, Span<byte> utf8)
    {
        // "O" on a UTC DateTime is the same text as FormatTime's explicit pattern, and the runtime formats it without parsing a pattern.
        var formatted = time.UtcDateTime.TryFormat(utf8, out var written, "O", CultureInfo.InvariantCulture);
        Debug.Assert(formatted && written == TimeLength, "A UTC round-trip time is always 28 bytes.");
        return written;
    }

    /// <summary>
    /// Rewrites the fraction of a time <see cref="FormatTime(DateTimeOffset, Span{byte})"/> wrote in the same second
    /// as <paramref name="utcTicks"/>, and returns the time's length.
    /// </summary>
    public static int FormatTimeFraction(long utcTicks, Span<byte> utf8)
    {
        Debug.Assert(utf8.Length >= TimeLength && utf8[FractionStart - 1] == '.' && utf8[TimeLength - 1] == 'Z', "The buffer holds a formatted time.");
        var fraction = (uint)(utcTicks % TimeSpan.TicksPerSecond);
        for (var i = TimeLength - 2; i >= FractionStart; i--)
        {
            (fraction, var digit) = Math.DivRem(fraction, 10);
            utf8[i] = (byte)('0' + digit);
        }

        return TimeLength;
    }

    public static string FormatInteger(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the text <see cref="FormatInteger(long)"/> returns, as UTF-8, and returns its length.</summary>
    public static int FormatInteger(long value, Span<byte> utf8)
    {
        var formatted = value.TryFormat(utf8, out var written, default, CultureInfo.InvariantCulture);
        Debug.Assert(formatted, "The destination holds MaxIntegerLength bytes.");
        return written;
    }

    public static bool TryParseTime(ReadOnlySpan<char> text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    public static bool TryParseTime(ReadOnlySpan<byte> utf8, out DateTimeOffset time)
    {
        // Fast path for the round-trip form with 'Z' (what Herald writes) or a numeric offset. Without an offset,
        // Utf8Parser would assume local time where the string parser assumes UTC, so that form takes the slow path.
        if (utf8.Length is TimeLength or TimeLength + 5 && Utf8Parser.TryParse(utf8, out time, out var consumed, 'O') && consumed == utf8.Length)
        {
            return true;
        }

        if (utf8.Length > MaxStackTimeLength)
        {
            return TryParseTime(Encoding.UTF8.GetString(utf8), out time);
        }

        // Decoded as the string path decodes it (invalid bytes become U+FFFD); UTF-8 never has fewer bytes than UTF-16 has chars.
        Span<char> text = stackalloc char[MaxStackTimeLength];
        return TryParseTime(text[..Encoding.UTF8.GetChars(utf8, text)], out time);
    }

    public static bool TryParseInteger(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    // The runtime parses UTF-8 and UTF-16 numbers with one generic implementation, so both accept the same text.
    public static bool TryParseInteger(ReadOnlySpan<byte> utf8, out long value) =>
        long.TryParse(utf8, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
