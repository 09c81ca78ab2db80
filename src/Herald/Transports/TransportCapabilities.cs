namespace Herald.Transports;

/// <summary>Flags what a transport offers beyond the contract, so the runtime and the conformance suite can adapt.</summary>
[Flags]
public enum TransportCapabilities
{
    /// <summary>Nothing beyond the contract.</summary>
    None = 0,

    /// <summary>An acknowledged publish survives a process crash.</summary>
    Durable = 1,

    /// <summary>Events are kept after consumption and a group can be rewound.</summary>
    Replay = 2,

    /// <summary>Committed group positions survive a restart of the process.</summary>
    DurableOffsets = 4,
}
