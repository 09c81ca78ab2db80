namespace Shop.CommandLine;

/// <summary>The transport the shop's services talk over.</summary>
internal enum ShopTransport
{
    /// <summary>Herald's embedded durable log: events and consumer offsets outlive the run, in the data directory.</summary>
    Embedded,

    /// <summary>Herald's in-memory transport: nothing outlives the run.</summary>
    InMemory,
}
