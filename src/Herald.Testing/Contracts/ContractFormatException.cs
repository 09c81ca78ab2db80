namespace Herald.Testing.Contracts;

/// <summary>Reports a contract file that cannot be read; the message names the file and what is wrong with it.</summary>
public sealed class ContractFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ContractFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ContractFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ContractFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
