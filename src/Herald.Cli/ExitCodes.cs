namespace Herald.Cli;

/// <summary>The process exit codes of <c>herald</c>; scripts depend on them, so they never change meaning.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked (a list or filter that matches nothing included).</summary>
    public const int Success = 0;

    /// <summary>Something unexpected failed: an I/O error, a corrupted log, a bug.</summary>
    public const int UnexpectedError = 1;

    /// <summary>The command line is wrong: unknown command or option, an option given twice, bad value or time, missing selection, no <c>--yes</c> without a terminal.</summary>
    public const int Usage = 2;

    /// <summary>Another process holds the data directory open.</summary>
    public const int DataDirectoryLocked = 3;

    /// <summary>The data directory does not exist, is a file or not a valid path, or is not a Herald data directory.</summary>
    public const int NoDataDirectory = 4;

    /// <summary>An event id given explicitly matches no dead letter; nothing was changed.</summary>
    public const int NotFound = 5;

    /// <summary><c>herald schema check</c> found changes that break the committed schemas in the chosen mode.</summary>
    public const int BreakingSchemaChanges = 6;

    /// <summary>The broker (<c>--transport rabbitmq|nats</c>) cannot be reached at <c>--connection</c>, or refused it.</summary>
    public const int BrokerUnreachable = 7;

    /// <summary>RabbitMQ has no queue through which a selected dead letter's group would receive its redrive; nothing was redriven.</summary>
    public const int NoRedriveQueue = 8;

    /// <summary>
    /// The data directory has damaged partitions: ones a command needs (the dead letters, a redrive topic), or any at all
    /// for <c>herald log</c>. Nothing was changed; <c>herald log repair</c> brings a partition back.
    /// </summary>
    public const int DamagedData = 9;

    /// <summary>Interrupted (Ctrl+C); work already done stays done.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit-code table shown by <c>herald --help</c> and in the README.</summary>
    public const string HelpText = """
        Exit codes:
          0    success (a list or filter that matches nothing is a success)
          1    unexpected error (an I/O error or a permission refused names the path)
          2    usage error: unknown command or option, an option given twice, bad value or time,
               missing selection, no --yes when stdin is not a terminal,
               a --partition that is not TOPIC-N or not in the data directory, an event id that
               several dead letters of one group share (redrive, purge: give the dead-letter ids)
          3    the data directory is locked by another process (the message names it and its pid)
          4    the data directory does not exist, is a file, or is not a Herald data directory
          5    an event id or dead-letter id given explicitly matches no dead letter; nothing was changed
          6    schema check: a change breaks the committed schemas in the chosen mode
          7    the broker (--transport rabbitmq|nats) cannot be reached at --connection
          8    redrive on RabbitMQ: a group has no redrive queues (never ran, or --partitions
               differs from the application's); nothing was redriven
          9    the data directory has damaged partitions: ones the command needs (dlq), or
               any (herald log); run the repair command the message gives
          130  interrupted (Ctrl+C)
        """;
}
