namespace Herald.Log;

/// <summary>Thrown by an append, a read or a topic creation that meets a topic <see cref="EmbeddedLog.DeleteTopicAsync"/>
/// deleted, or is deleting: the topic's partitions take no appends and serve no reads.</summary>
/// <remarks>An append that fails with it was not acknowledged, and its records went with the topic.</remarks>
public sealed class TopicDeletedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="TopicDeletedException"/> class.</summary>
    public TopicDeletedException()
        : this("The topic was deleted.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TopicDeletedException"/> class with a message.</summary>
    /// <param name="message">What was refused.</param>
    public TopicDeletedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TopicDeletedException"/> class with a message and a cause.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="innerException">The cause.</param>
    public TopicDeletedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TopicDeletedException"/> class naming the topic.</summary>
    /// <param name="topic">The deleted topic.</param>
    /// <param name="message">What was refused.</param>
    public TopicDeletedException(string topic, string message)
        : base(message)
    {
        Topic = topic;
    }

    /// <summary>Gets the name of the deleted topic, or <see langword="null"/> when not known.</summary>
    public string? Topic { get; }
}
