using System.Text;
using Herald.DeadLetters;

namespace Herald.Cli.Tests;

/// <summary>Dead letters whose text was chosen by an attacker, and the check that none of it reaches a terminal raw.</summary>
internal static class HostileText
{
    /// <summary>Clears the screen and homes the cursor, then claims success.</summary>
    public const string EventId = "evt-\u001b[2J\u001b[H";

    /// <summary>Erases the line it is printed on, returns the carriage and writes a fake report, then rings the bell.</summary>
    public const string ExceptionMessage = "\u001b[1A\u001b[2K\rRedriven 0 dead letters; all clear.\u0007";

    /// <summary>A right-to-left override that shows "admin" backwards, and a C1 CSI.</summary>
    public const string UserId = "\u202Enimda\u009b31m";

    /// <summary>Sets the terminal's title (OSC) and deletes a character.</summary>
    public const string Payload = "\u001b]0;owned\u0007 text\u007f";

    /// <summary>Returns a pending dead letter whose id, group, type, user id, extension, payload, exception type, message and
    /// stack trace all hold control characters.</summary>
    public static DeadLetter Letter(string contentType = "text/plain", string? data = null)
    {
        var letter = CliHarness.Letter(EventId, group: "billing\u001b[8m", type: "order.created\u202E", exception: "Shop.\u009b2JException", data: data ?? Payload, contentType: contentType);
        return letter with
        {
            Envelope = letter.Envelope with
            {
                UserId = UserId,
                Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "\u001b[31mred" },
                Data = Encoding.UTF8.GetBytes(data ?? Payload),
            },
            Failure = letter.Failure with { ExceptionMessage = ExceptionMessage, StackTrace = "at Shop.Handler()\u001b[2J\r\n   at \u2066Shop.Other()" },
        };
    }

    /// <summary>Asserts that <paramref name="text"/> holds no control character but line feeds, and no bidi control.</summary>
    public static void AssertEscaped(string text)
    {
        var bad = text.Where(c => (char.IsControl(c) && c != '\n') || c is '\u061C' or '\u200E' or '\u200F' or '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            .Select(c => $"U+{(int)c:X4}")
            .Distinct()
            .ToList();
        Assert.True(bad.Count == 0, $"raw control characters reached the terminal: {string.Join(", ", bad)}");
    }
}
