using Herald.HealthChecks.Checks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks;

/// <summary>Adds Herald's health checks.</summary>
public static class HeraldHealthChecksBuilderExtensions
{
    /// <summary>Checks the transport, the consumer groups' lag and dead letters, and the outbox and inbox stores.</summary>
    /// <remarks>
    /// <para>Registers four checks (see <see cref="HeraldHealthCheckNames"/>): the transport is <c>Unhealthy</c> when it
    /// accepts no operation (an embedded-log partition failed, or a probe throws); consumers are <c>Degraded</c> when a
    /// group's lag or pending dead letters exceed their thresholds; the outbox is <c>Degraded</c> when its oldest
    /// undispatched row is older than <see cref="HeraldHealthCheckOptions.MaxOutboxAge"/>. The outbox and inbox checks
    /// report <c>Healthy</c> when the application uses none. Each message names the group and the numbers.</para>
    /// <para>Needs <c>services.AddHerald(...)</c>. Each check queries the transport or a store: run them on a schedule,
    /// not per request.</para>
    /// </remarks>
    /// <param name="builder">The health checks builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="configure">Sets the thresholds; optional.</param>
    /// <param name="tags">Tags for every Herald check, to filter them in a health endpoint; optional.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">A threshold is out of range; the message names it.</exception>
    public static IHealthChecksBuilder AddHerald(this IHealthChecksBuilder builder, Action<HeraldHealthCheckOptions>? configure = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new HeraldHealthCheckOptions();
        configure?.Invoke(options);
        options.Validate();
        var tagList = tags?.ToArray() ?? [];
        return builder
            .Add(new HealthCheckRegistration(HeraldHealthCheckNames.Transport, sp => new TransportHealthCheck(sp), HealthStatus.Unhealthy, tagList))
            .Add(new HealthCheckRegistration(HeraldHealthCheckNames.Consumers, sp => new ConsumerHealthCheck(sp, options), HealthStatus.Unhealthy, tagList))
            .Add(new HealthCheckRegistration(HeraldHealthCheckNames.Outbox, sp => new OutboxHealthCheck(sp, options), HealthStatus.Unhealthy, tagList))
            .Add(new HealthCheckRegistration(HeraldHealthCheckNames.Inbox, sp => new InboxHealthCheck(sp), HealthStatus.Unhealthy, tagList));
    }
}
