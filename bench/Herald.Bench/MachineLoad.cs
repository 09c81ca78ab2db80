using System.Globalization;

namespace Herald.Bench;

/// <summary>The conditions a measurement ran in, printed beside its figures: the machine is shared, so they say how noisy they are.</summary>
internal static class MachineLoad
{
    /// <summary>Returns the machine's one-minute load average, or null where /proc/loadavg does not exist.</summary>
    public static double? LoadAverage()
    {
        const string Path = "/proc/loadavg";
        return File.Exists(Path) && double.TryParse(File.ReadAllText(Path).Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
    }
}
