namespace Herald.HealthChecks;

/// <summary>The names under which <see cref="HeraldHealthChecksBuilderExtensions.AddHerald"/> registers its checks.</summary>
public static class HeraldHealthCheckNames
{
    /// <summary>The transport accepts operations: unhealthy when it is down.</summary>
    public const string Transport = "herald-transport";

    /// <summary>Consumer lag and pending dead letters per consumer group: degraded over their thresholds.</summary>
    public const string Consumers = "herald-consumers";

    /// <summary>The outbox store answers and its oldest undispatched row is young enough.</summary>
    public const string Outbox = "herald-outbox";

    /// <summary>The inbox store answers.</summary>
    public const string Inbox = "herald-inbox";
}
