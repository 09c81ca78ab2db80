namespace Herald.DeadLetters;

/// <summary>Says why a parked event is in the dead-letter queue: an earlier event of its partition key is, and the group keeps key order.</summary>
public sealed class ParkedBehindDeadLetterException : Exception
{
    /// <summary>Creates the exception for an event of <paramref name="partitionKey"/> parked behind dead letter <paramref name="deadLetterEventId"/>.</summary>
    public ParkedBehindDeadLetterException(string partitionKey, string deadLetterEventId)
        : base($"Parked behind the dead letter of event {deadLetterEventId}, an earlier event of partition key '{partitionKey}': it is redriven, in order, once that one is handled.")
    {
        PartitionKey = partitionKey;
        DeadLetterEventId = deadLetterEventId;
    }

    /// <summary>Creates the exception with a message.</summary>
    public ParkedBehindDeadLetterException()
        : this(string.Empty, string.Empty)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ParkedBehindDeadLetterException(string message)
        : base(message)
    {
        PartitionKey = DeadLetterEventId = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ParkedBehindDeadLetterException(string message, Exception innerException)
        : base(message, innerException)
    {
        PartitionKey = DeadLetterEventId = string.Empty;
    }

    /// <summary>Gets the partition key whose order is kept.</summary>
    public string PartitionKey { get; }

    /// <summary>Gets the event id of the dead letter this event waits behind.</summary>
    public string DeadLetterEventId { get; }
}
