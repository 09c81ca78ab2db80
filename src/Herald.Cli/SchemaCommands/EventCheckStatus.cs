namespace Herald.Cli.SchemaCommands;

/// <summary>What <c>herald schema check</c> concluded about one event version.</summary>
internal enum EventCheckStatus
{
    /// <summary>Compared with the committed schema of the same version; nothing breaks the mode.</summary>
    Compatible,

    /// <summary>Compared with the committed schema of the same version; at least one change breaks the mode.</summary>
    Breaking,

    /// <summary>No schema of this event is committed: nothing to compare with.</summary>
    NewEvent,

    /// <summary>The version is newer than every committed one: not compared, since a new version may break on purpose (an upcaster carries old events over).</summary>
    NewVersion,

    /// <summary>The version is older than the newest committed one and has no file of its own: not compared.</summary>
    NotCommitted,

    /// <summary>The code's newest version is older than the newest committed one: versions never go back.</summary>
    VersionWentBack,

    /// <summary>Schemas of this event are committed but no type in the assembly declares it.</summary>
    Removed,
}
