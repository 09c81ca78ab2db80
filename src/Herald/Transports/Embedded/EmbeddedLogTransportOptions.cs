using Herald.Log;

namespace Herald.Transports.Embedded;

/// <summary>Where the embedded log keeps its data and how it stores topics.</summary>
public sealed class EmbeddedLogTransportOptions
{
    /// <summary>Gets or sets the data directory, relative to the working directory unless rooted. Default <c>herald-data</c>.</summary>
    public string DataDirectory { get; set; } = "herald-data";

    /// <summary>Gets the log's options: partitions, flush policy, segment size and retention, per topic or by default.</summary>
    public EmbeddedLogOptions Log { get; } = new();
}
