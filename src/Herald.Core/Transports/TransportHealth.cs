namespace Herald.Transports;

/// <summary>A transport's answer to a health check (see <see cref="ITransportHealth"/>).</summary>
public sealed class TransportHealth
{
    private TransportHealth(bool isHealthy, string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(description);
        IsHealthy = isHealthy;
        Description = description;
    }

    /// <summary>Gets whether the transport accepts events everywhere it should.</summary>
    public bool IsHealthy { get; }

    /// <summary>Gets what was checked, and when unhealthy, what fails and what to do about it.</summary>
    public string Description { get; }

    /// <summary>Returns a healthy answer.</summary>
    /// <param name="description">What was checked.</param>
    public static TransportHealth Healthy(string description) => new(true, description);

    /// <summary>Returns an unhealthy answer.</summary>
    /// <param name="description">What fails and what to do about it.</param>
    public static TransportHealth Unhealthy(string description) => new(false, description);
}
