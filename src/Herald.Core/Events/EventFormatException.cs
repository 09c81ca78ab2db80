namespace Herald.Events;

/// <summary>Signals a message that is not a readable CloudEvent: an attribute is missing or malformed.</summary>
public sealed class EventFormatException : FormatException
{
    /// <summary>Creates the exception with a message that names what was wrong.</summary>
    public EventFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public EventFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a default message.</summary>
    public EventFormatException() : base("The message is not a readable CloudEvent.") { }
}
