namespace Herald.Cli;

/// <summary>Ends a command with an exit code and a one-line message for stderr.</summary>
internal sealed class CliException : Exception
{
    public CliException()
        : this(ExitCodes.UnexpectedError, "unexpected error")
    {
    }

    public CliException(string message)
        : this(ExitCodes.UnexpectedError, message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.UnexpectedError;
    }

    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>Gets the process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>Returns a usage error (exit code 2).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
