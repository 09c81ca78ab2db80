using System.Text.Json;

namespace Herald.Testing.Contracts;

/// <summary>Configures how <see cref="ContractVerifier"/> checks a producer's events against consumer contracts.</summary>
public sealed class ContractVerifierOptions
{
    /// <summary>Gets the event types this producer publishes; expectations on other event types are skipped.
    /// Default null: every event type any contract names belongs to this producer.</summary>
    /// <remarks>
    /// Every event type in scope must have at least one sample: a consumer's expectation the producer
    /// shows no event for is a violation, not a pass. Set this when the contract directory also holds
    /// expectations on events other services produce.
    /// </remarks>
    public IReadOnlyCollection<string>? ProducedEvents { get; init; }

    /// <summary>Gets the options that serialize samples given as event objects rather than envelopes.
    /// Default: Herald's default, web defaults (camelCase). Pass <c>HeraldOptions.JsonSerializerOptions</c> when the application changes them.</summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; init; }
}
