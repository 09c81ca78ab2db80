namespace Herald.Log;

/// <summary>Thrown when <see cref="LogPartition.AppendBatchesAsync"/> refuses record batches: nothing of them was appended.</summary>
/// <remarks>The message names the batch (counted from 1), its byte position in the buffer and what is wrong with it.</remarks>
public sealed class InvalidRecordBatchException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="InvalidRecordBatchException"/> class.</summary>
    public InvalidRecordBatchException()
        : this("The record batches are invalid.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidRecordBatchException"/> class with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public InvalidRecordBatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidRecordBatchException"/> class with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidRecordBatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidRecordBatchException"/> class with the kind of problem and a message.</summary>
    /// <param name="reason">The kind of problem, for a caller that answers with a protocol error code.</param>
    /// <param name="message">What is wrong.</param>
    public InvalidRecordBatchException(InvalidRecordBatchReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>Gets the kind of problem; <see cref="InvalidRecordBatchReason.InvalidRecord"/> unless a constructor said otherwise.</summary>
    public InvalidRecordBatchReason Reason { get; } = InvalidRecordBatchReason.InvalidRecord;
}
