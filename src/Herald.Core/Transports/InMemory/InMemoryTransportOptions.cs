namespace Herald.Transports.InMemory;

/// <summary>Configures the in-memory transport.</summary>
public sealed class InMemoryTransportOptions
{
    /// <summary>Gets or sets the number of partitions of every topic. Default 8, from 1 to 1024.</summary>
    public int PartitionCount { get; set; } = 8;
}
