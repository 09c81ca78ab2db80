namespace Herald.DeadLetters;

/// <summary>Says why an event with a sequence number was dead-lettered: its place in its key's order was given up.</summary>
public sealed class OutOfSequenceException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public OutOfSequenceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OutOfSequenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public OutOfSequenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
