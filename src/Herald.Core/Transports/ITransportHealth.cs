namespace Herald.Transports;

/// <summary>A transport that knows, without a call to a broker, whether it accepts events: Herald's health check asks it.</summary>
/// <remarks>Optional. Herald.HealthChecks asks a transport without it a lag query, the cheapest call of the contract
/// that reaches the broker. Cheap enough to call on every health check; safe to call from any thread.</remarks>
public interface ITransportHealth
{
    /// <summary>Returns whether the transport accepts events, and what keeps it from accepting some.</summary>
    TransportHealth CheckHealth();
}
