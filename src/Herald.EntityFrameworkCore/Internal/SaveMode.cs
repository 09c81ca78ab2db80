namespace Herald.EntityFrameworkCore.Internal;

/// <summary>Says in which transaction a SaveChanges writes the queued events.</summary>
internal enum SaveMode
{
    /// <summary>No SaveChanges with queued events is in progress.</summary>
    None,

    /// <summary>The caller's transaction: the events are written after the entities, and commit or roll back with it.</summary>
    CallerTransaction,

    /// <summary>The transaction EF Core opens for SaveChanges: the events are written just before it commits.</summary>
    SaveTransaction,

    /// <summary>EF Core had no command to run, so opened no transaction: the events are written in one of their own.</summary>
    OwnTransaction,
}
