using System.Buffers;
using System.Globalization;
using System.Text;

namespace Herald.Cli;

/// <summary>Makes text that came from a message (ids, payloads, exception messages) safe to print on a terminal.</summary>
/// <remarks>
/// Anyone who can publish an event or make a handler throw chooses these characters. Printed raw, an escape sequence
/// clears the operator's screen or rewrites what a command reported, and a bidi override shows an id backwards. The
/// dead-letter text, table cells, prompts, errors and warnings all go through <see cref="Escape"/>; <c>--json</c> output
/// does not need it, since JSON escapes control characters itself.
/// </remarks>
internal static class TerminalText
{
    // C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F) include ESC and CSI, which start terminal escape sequences; the
    // bidi marks, embeddings, overrides and isolates reorder what follows them; U+2028/U+2029 break lines on some terminals.
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        string.Concat(
            Range('\u0000', '\u001F'),
            Range('\u007F', '\u009F'),
            "\u061C\u200E\u200F\u2028\u2029",
            Range('\u202A', '\u202E'),
            Range('\u2066', '\u2069')));

    /// <summary>Returns <paramref name="text"/> with every C0 and C1 control character, DEL, bidi control and line or
    /// paragraph separator written as a visible escape (<c>\n</c>, <c>\x1B</c>, <c>\u202E</c>); other text is unchanged.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAny(Unsafe);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8).Append(text, 0, first);
        foreach (var c in text.AsSpan(first))
        {
            if (!Unsafe.Contains(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                <= '\u00FF' => string.Create(CultureInfo.InvariantCulture, $@"\x{(int)c:X2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $@"\u{(int)c:X4}"),
            });
        }

        return escaped.ToString();
    }

    private static string Range(char first, char last) => new([.. Enumerable.Range(first, last - first + 1).Select(c => (char)c)]);
}
