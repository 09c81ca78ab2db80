namespace Shop;

internal enum RunOutcome
{
    /// <summary>Every order was handled by every service.</summary>
    Completed,

    /// <summary>An endless run was stopped with Ctrl+C.</summary>
    Stopped,

    /// <summary>The handlers did not finish within the time limit.</summary>
    TimedOut,

    /// <summary>A finite run was stopped with Ctrl+C before every order was handled.</summary>
    Interrupted,

    /// <summary>Damaged partitions of the embedded log held back some events; everything else was handled.</summary>
    Degraded,
}
