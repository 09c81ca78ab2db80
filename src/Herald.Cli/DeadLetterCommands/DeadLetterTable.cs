using System.Globalization;
using Herald.DeadLetters;
using Spectre.Console;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>Renders dead letters as a table, one row each.</summary>
internal static class DeadLetterTable
{
    /// <summary>Returns the table of <paramref name="letters"/> with <paramref name="caption"/> under it.</summary>
    public static Table Create(IEnumerable<DeadLetter> letters, string caption)
    {
        var table = new Table { Border = TableBorder.Rounded, Caption = new TableTitle(Markup.Escape(caption)) };
        table.AddColumns("Event id", "Group", "Topic", "Type", "Reason", "Exception", "Attempts", "Dead-lettered at (UTC)", "Status");
        table.Columns[6].RightAligned();
        foreach (var letter in letters)
        {
            table.AddRow(
                Cell(letter.EventId),
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
