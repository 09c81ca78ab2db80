namespace Herald.Log;

/// <summary>How an <see cref="EventLog"/> opens its topics and cleans them up.</summary>
public sealed class EventLogOptions
{
    /// <summary>Gets or sets the options of topics without an entry in <see cref="Topics"/>.</summary>
    public TopicOptions DefaultTopic { get; set; } = new();

    /// <summary>Gets the options of particular topics, by name.</summary>
    public IDictionary<string, TopicOptions> Topics { get; } = new Dictionary<string, TopicOptions>(StringComparer.Ordinal);

    /// <summary>Gets or sets how often retention and compaction run. Default 1 minute.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the clock for record timestamps, retention and flush intervals. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Returns the options for <paramref name="topic"/>.</summary>
    public TopicOptions For(string topic) => Topics.TryGetValue(topic, out var options) ? options : DefaultTopic;
}
