namespace Herald.Cli;

/// <summary>How a command opens a data directory.</summary>
internal enum DataDirectoryAccess
{
    /// <summary>Shared with other readers, and changing no byte: torn tails stay, nothing is created, no cleanup runs.</summary>
    ReadOnly,

    /// <summary>Alone, to change dead letters once the operator has confirmed; retention and compaction still never run.</summary>
    Writable,
}
