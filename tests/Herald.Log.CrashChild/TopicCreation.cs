using System.Diagnostics;
using System.Globalization;

namespace Herald.Log.CrashChild;

/// <summary>Creates a topic and kills this process (SIGKILL) at one durable step of the creation, for the topic-shape crash test.</summary>
internal static class TopicCreation
{
    /// <summary>The topic created.</summary>
    public const string Topic = "created";

    /// <summary>Its partition count.</summary>
    public const int Partitions = 4;

    /// <summary>Opens the log in <paramref name="directory"/> and creates <see cref="Topic"/>, dying at step <paramref name="killAt"/> (from 0; -1 never).</summary>
    /// <returns>0, after printing "steps N" with the number of steps, when <paramref name="killAt"/> is past the last.</returns>
    public static int Run(string directory, int killAt)
    {
        var step = 0;
        TopicCatalog.Step = _ =>
        {
            if (step++ == killAt)
            {
                // Nothing after this runs: no dispose, no flush, as when the machine's power or the OOM killer stops it.
                Process.GetCurrentProcess().Kill();
            }
        };
        var options = new EmbeddedLogOptions();
        options.DefaultTopic.Partitions = Partitions;
        using (var log = EmbeddedLog.Open(directory, options))
        {
            log.GetOrCreateTopic(Topic);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps {step}"));
        return 0;
    }
}
