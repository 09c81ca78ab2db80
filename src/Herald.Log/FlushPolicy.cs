namespace Herald.Log;

/// <summary>When a topic's appends reach the disk, and so what an acknowledged append survives.</summary>
public enum FlushPolicy
{
    /// <summary>
    /// An append is acknowledged only after the batch holding it is fsynced: it survives a process crash and a power
    /// loss. Appends arriving while a batch is being flushed form the next batch (group commit).
    /// </summary>
    Always,

    /// <summary>
    /// An append is acknowledged once written to the operating system; the log is fsynced every
    /// <see cref="TopicOptions.FlushInterval"/>. Survives a process crash; a power loss may lose the last interval.
    /// </summary>
    Interval,

    /// <summary>
    /// An append is acknowledged once written to the operating system, which writes it back when it chooses. Survives
    /// a process crash; a power loss may lose whatever the operating system had not written yet.
    /// </summary>
    None,
}
