namespace Herald.Log;

/// <summary>Thrown when a log file holds corrupt data where a torn write cannot explain it, so the log refuses to open.</summary>
/// <remarks>Herald.Log never drops acknowledged data silently: the message names the file and the byte offset to inspect.</remarks>
public sealed class LogCorruptedException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="LogCorruptedException"/> class.</summary>
    public LogCorruptedException()
        : this("The log is corrupted.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogCorruptedException"/> class with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public LogCorruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogCorruptedException"/> class with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public LogCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogCorruptedException"/> class naming the file and the offset.</summary>
    /// <param name="fileName">The path of the corrupt file.</param>
    /// <param name="position">The byte offset in the file where the corruption starts.</param>
    /// <param name="problem">What is wrong at that offset.</param>
    public LogCorruptedException(string fileName, long position, string problem)
        : base($"Log file '{fileName}' is corrupted at byte offset {position}: {problem}")
    {
        FileName = fileName;
        Position = position;
    }

    /// <summary>Gets the path of the corrupt file, or <see langword="null"/> when not known.</summary>
    public string? FileName { get; }

    /// <summary>Gets the byte offset in <see cref="FileName"/> where the corruption starts, or -1 when not known.</summary>
    public long Position { get; } = -1;
}
