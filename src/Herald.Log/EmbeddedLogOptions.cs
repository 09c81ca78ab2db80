namespace Herald.Log;

/// <summary>How an <see cref="EmbeddedLog"/> opens its topics and cleans them up.</summary>
public sealed class EmbeddedLogOptions
{
    /// <summary>Gets or sets the options of topics without an entry in <see cref="Topics"/>.</summary>
    public TopicOptions DefaultTopic { get; set; } = new();

    /// <summary>Gets the options of particular topics, by name.</summary>
    public IDictionary<string, TopicOptions> Topics { get; } = new Dictionary<string, TopicOptions>(StringComparer.Ordinal);

    /// <summary>Gets or sets how often retention and compaction run. Default 1 minute; <see cref="Timeout.InfiniteTimeSpan"/> never runs them.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets whether the log is opened without changing a byte on disk. Default <see langword="false"/>.
    /// </summary>
    /// <remarks>
    /// For tools that inspect a data directory: the directory is locked shared (other read-only opens may share it, a
    /// writer may not), torn tails are reported in <see cref="EmbeddedLog.Recoveries"/> but left in place, indexes are
    /// rebuilt in memory only, no topic, file or directory is created, and no cleanup runs. Appends throw
    /// <see cref="InvalidOperationException"/>.
    /// </remarks>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets the clock for record timestamps, retention and flush intervals. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Returns the options for <paramref name="topic"/>.</summary>
    public TopicOptions For(string topic) => Topics.TryGetValue(topic, out var options) ? options : DefaultTopic;
}
