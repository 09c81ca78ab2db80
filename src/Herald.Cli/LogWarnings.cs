using System.Globalization;
using Herald.Log;

namespace Herald.Cli;

/// <summary>Words what opening a log found: torn tails and damaged partitions, each with its file, byte and size.</summary>
internal static class LogWarnings
{
    /// <summary>Writes a warning on stderr for every torn tail and (with <paramref name="damage"/>) damaged partition <paramref name="log"/> found.</summary>
    public static void Write(CliContext context, EmbeddedLog log, bool damage = true, bool tornTails = true)
    {
        foreach (var recovery in tornTails ? log.Recoveries : [])
        {
            CommandRunner.WriteWarning(context, TornTail(recovery));
        }

        foreach (var damaged in damage ? log.Damaged : [])
        {
            CommandRunner.WriteWarning(context, Damaged(damaged, log.Directory));
        }
    }

    /// <summary>Describes a torn tail: where it starts, how many bytes, and whether they are still there.</summary>
    public static string TornTail(LogRecovery recovery) => recovery.LeftInPlace
        ? string.Create(CultureInfo.InvariantCulture, $"torn tail in '{recovery.FileName}' at byte {recovery.Position}: {recovery.TruncatedBytes} bytes never acknowledged ({Clause(recovery.Reason)}); left in place, the application cuts them when it next opens the log.")
        : string.Create(CultureInfo.InvariantCulture, $"cut the torn tail of '{recovery.FileName}' at byte {recovery.Position}: {recovery.TruncatedBytes} bytes never acknowledged ({Clause(recovery.Reason)}).");

    /// <summary>Describes a damaged partition: file, byte, bytes affected, problem and the command that repairs it.</summary>
    public static string Damaged(LogDamage damage, string dataDirectory) => damage.Partition < 0
        ? $"topic {damage.Topic} is damaged and serves nothing: {Where(damage)}: {Problem(damage)} With the application stopped, restore it or move it away."
        : $"partition {damage.PartitionName} is damaged and serves nothing until repaired: {Where(damage)}: {Problem(damage)} " +
          $"With the application stopped, run: {RepairCommand(dataDirectory, damage)}";

    /// <summary>Returns the file, byte and bytes affected by <paramref name="damage"/>.</summary>
    public static string Where(LogDamage damage) => damage.Position < 0
        ? $"'{damage.FileName}'"
        : AffectedBytes(damage) is { } bytes
            ? string.Create(CultureInfo.InvariantCulture, $"'{damage.FileName}' at byte {damage.Position} ({bytes} bytes from there to the end of the file)")
            : string.Create(CultureInfo.InvariantCulture, $"'{damage.FileName}' at byte {damage.Position}");

    /// <summary>Returns what is wrong, without the file and byte that <see cref="Where"/> already gives.</summary>
    public static string Problem(LogDamage damage)
    {
        // LogCorruptedException's message leads with the file and byte; said once is enough.
        var prefix = string.Create(CultureInfo.InvariantCulture, $"Log file '{damage.FileName}' is corrupted at byte offset {damage.Position}: ");
        var problem = damage.Problem.StartsWith(prefix, StringComparison.Ordinal) ? damage.Problem[prefix.Length..] : damage.Problem;
        return problem.EndsWith('.') ? problem : problem + ".";
    }

    /// <summary>Returns the bytes from the damage to the end of its file, or <see langword="null"/> when the file cannot be measured.</summary>
    public static long? AffectedBytes(LogDamage damage)
    {
        try
        {
            var file = new FileInfo(damage.FileName);
            return damage.Position >= 0 && file.Exists ? Math.Max(0, file.Length - damage.Position) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Returns the command that repairs <paramref name="damage"/>, with the data directory quoted for a shell when it needs it.</summary>
    public static string RepairCommand(string dataDirectory, LogDamage damage) =>
        $"herald log repair --data {ShellQuote(dataDirectory)} --partition {damage.PartitionName}";

    /// <summary>Quotes <paramref name="text"/> for a POSIX shell when it holds anything but safe characters.</summary>
    public static string ShellQuote(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or ':' or '\\' or '+' or '=' or ',')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Clause(string text) => text.TrimEnd('.', ' ');
}
