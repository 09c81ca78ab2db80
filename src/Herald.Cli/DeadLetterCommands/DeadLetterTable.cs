using System.Globalization;
using Herald.DeadLetters;
using Spectre.Console;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>Renders dead letters as a table, one row each.</summary>
internal static class DeadLetterTable
{
    /// <summary>Returns the table of <paramref name="letters"/> with <paramref name="caption"/> under it.</summary>
    /// <remarks>
    /// An event id that different messages reused (so several dead letters of one group have it) is shown as the full
    /// dead-letter id, <c>&lt;event id&gt;~&lt;digest&gt;</c>, which selects one of them in <c>show</c>, <c>redrive</c> and <c>purge</c>.
    /// </remarks>
    public static Table Create(IReadOnlyCollection<DeadLetter> letters, string caption)
    {
        var reused = Reused(letters);
        if (reused.Count > 0)
        {
            caption += string.Create(CultureInfo.InvariantCulture, $"; {reused.Count} event id(s) reused by different messages, shown as dead-letter ids (event id~digest)");
        }

        var table = new Table { Border = TableBorder.Rounded, Caption = new TableTitle(Markup.Escape(caption)) };
        table.AddColumns("Event id", "Group", "Topic", "Type", "Reason", "Exception", "Attempts", "Dead-lettered at (UTC)", "Status");
        table.Columns[6].RightAligned();
        foreach (var letter in letters)
        {
            table.AddRow(
                Cell(reused.Contains((letter.Group, letter.EventId)) ? letter.Id : letter.EventId),
                Cell(letter.Group),
                Cell(letter.Topic),
                Cell(letter.EventType),
                Cell(DeadLetterJson.Name(letter.Failure.Reason)),
                Cell(SimpleName(letter.Failure.ExceptionType)),
                Cell(letter.Failure.Attempts.ToString(CultureInfo.InvariantCulture)),
                Cell(Time(letter.Failure.DeadLetteredAt)),
                Cell(DeadLetterJson.Name(letter.Status)));
        }

        return table;
    }

    /// <summary>Returns the (group, event id) pairs that name more than one dead letter: messages that reused an event id.</summary>
    public static HashSet<(string Group, string EventId)> Reused(IEnumerable<DeadLetter> letters) =>
    [
        .. letters.GroupBy(l => (l.Group, l.EventId))
            .Where(g => g.Select(l => l.Id).Distinct(StringComparer.Ordinal).Skip(1).Any())
            .Select(g => g.Key),
    ];

    /// <summary>Warns, on stderr, about stored dead letters that could not be read and were set aside.</summary>
    public static void WarnUnreadable(CliContext context, DeadLetterSession session)
    {
        if (session.Unreadable is { Count: > 0 } unreadable)
        {
            CommandRunner.WriteWarning(context, string.Create(
                CultureInfo.InvariantCulture,
                $"{unreadable.Count} unreadable dead letter(s) set aside, left out of this list and kept stored: {TerminalText.Escape(string.Join("; ", unreadable.Select(u => u.Replace('\n', '/'))))}."));
        }
    }

    /// <summary>Returns "1 dead letter" or "N dead letters".</summary>
    public static string Count(int count) => count == 1 ? "1 dead letter" : string.Create(CultureInfo.InvariantCulture, $"{count} dead letters");

    /// <summary>Formats a time the way every table and text output shows it: UTC, to the second.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // The simple name keeps the column narrow; --exception accepts it, and show and --json give the full name.
    private static string SimpleName(string typeName)
    {
        var generic = typeName.IndexOf('[', StringComparison.Ordinal);
        var name = generic < 0 ? typeName : typeName[..generic];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    private static Markup Cell(string text) => new(Markup.Escape(TerminalText.Escape(text)));
}
