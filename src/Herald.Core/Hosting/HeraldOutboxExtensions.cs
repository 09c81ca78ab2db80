using Herald.Diagnostics;
using Herald.Outbox;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Hosting;

/// <summary>Adds the transactional outbox to Herald: <see cref="IOutboxPublisher"/> and the relay that sends outbox rows.</summary>
public static class HeraldOutboxExtensions
{
    /// <summary>
    /// Adds <see cref="IOutboxPublisher"/> over the store <paramref name="storeFactory"/> creates, and a hosted
    /// relay that sends committed rows to the transport and deletes old dispatched rows. Store packages
    /// (such as <c>UseSqliteOutbox</c>) call this; applications normally call theirs.
    /// </summary>
    /// <param name="builder">Herald's builder.</param>
    /// <param name="storeFactory">Creates the outbox store, once, as a singleton.</param>
    /// <param name="configure">Sets the relay options.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">An outbox was already added.</exception>
    public static HeraldBuilder UseOutbox(this HeraldBuilder builder, Func<IServiceProvider, IOutboxStore> storeFactory, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeFactory);
        var options = new OutboxOptions();
        configure?.Invoke(options);
        options.Validate();
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(OutboxOptions)))
        {
            throw new InvalidOperationException("An outbox was added twice; call UseOutbox (or a store's UseXxxOutbox) once.");
        }

        services.AddSingleton(options);
        services.AddSingleton<IOutboxStore>(storeFactory);
        services.TryAddSingleton(sp => new EnvelopeFactory(sp.GetRequiredService<HeraldModel>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IOutboxPublisher, OutboxPublisher>();
        services.AddSingleton(sp => new OutboxRelay(
            sp.GetRequiredService<IOutboxStore>(),
            sp.GetRequiredService<ITransport>(),
            options,
            sp.GetRequiredService<TimeProvider>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Herald.Outbox"),
            sp.GetService<HeraldMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        return builder;
    }
}
