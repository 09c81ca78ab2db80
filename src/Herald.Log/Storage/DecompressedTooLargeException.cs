namespace Herald.Log.Storage;

/// <summary>Thrown when a compressed batch decompresses to more bytes than the limit allows.</summary>
internal sealed class DecompressedTooLargeException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DecompressedTooLargeException"/> class.</summary>
    public DecompressedTooLargeException()
        : this(0)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DecompressedTooLargeException"/> class for a limit of <paramref name="maxBytes"/>.</summary>
    public DecompressedTooLargeException(int maxBytes)
        : base($"the records decompress to more than {maxBytes} bytes")
    {
        MaxBytes = maxBytes;
    }

    /// <summary>Initializes a new instance of the <see cref="DecompressedTooLargeException"/> class with a message.</summary>
    public DecompressedTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DecompressedTooLargeException"/> class with a message and a cause.</summary>
    public DecompressedTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the limit that was exceeded.</summary>
    public int MaxBytes { get; }
}
