using System.Diagnostics.Metrics;
using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Outbox;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Hosting;

/// <summary>Adds Herald to an application's services.</summary>
public static class HeraldServiceCollectionExtensions
{
    /// <summary>Adds Herald: the publisher, the handlers and consumer groups <paramref name="configure"/> registers,
    /// and a hosted service that runs the consumers with the host.</summary>
    /// <remarks>The configuration is validated when the first Herald service is resolved, at the latest when the
    /// host starts; an inconsistency stops the host with a message naming it. Without a transport chosen, events go
    /// through the default transport of the <c>Herald</c> package, the embedded log in <c>./herald-data</c>; an
    /// application that references only <c>Herald.Core</c> must choose one, or the host does not start (see
    /// <see cref="DefaultTransportAttribute"/>).</remarks>
    /// <exception cref="InvalidOperationException">Herald was already added.</exception>
    public static IServiceCollection AddHerald(this IServiceCollection services, Action<HeraldBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(HeraldBuilder)))
        {
            throw new InvalidOperationException("AddHerald was called twice; configure everything in one call.");
        }

        var builder = new HeraldBuilder(services);
        configure?.Invoke(builder);
        services.AddSingleton(builder);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => HeraldModel.Build(builder));
        services.AddSingleton(sp => sp.GetRequiredService<HeraldModel>().Registry);
        services.AddSingleton(builder.Options);
        services.AddSingleton(sp => builder.TransportFactory?.Invoke(sp) ?? DefaultTransport.Create(sp));
        services.AddMetrics();
        services.AddSingleton(CreateMetrics);
        services.AddSingleton<ObserverSet>();
        services.TryAddSingleton(CreateDeadLetterLedger);
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<DeadLetterLedger>());
        // An ISequencePositionStore the application registered wins over the transport's; without either, a reordering group stops the host.
        services.AddSingleton(sp => new ReorderPositions(
            sp.GetRequiredService<HeraldModel>(), sp.GetRequiredService<ITransport>(), sp.GetService<ISequencePositionStore>()));
        services.TryAddSingleton<IDeadLetters>(sp => new DeadLetterQueues(
            sp.GetRequiredService<ITransport>(), sp.GetRequiredService<IDeadLetterStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEventPublisher, EventPublisher>();
        services.AddSingleton<ConsumerRuntime>();
        services.AddSingleton<IConsumerDriver>(sp => sp.GetRequiredService<ConsumerRuntime>());
        services.AddHostedService<ConsumerService>();
        services.AddHostedService(sp => new DeadLetterRetention(
            sp.GetRequiredService<DeadLetterLedger>(),
            builder.Options.DeadLetters,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Herald.DeadLetters") ?? NullLogger.Instance));
        return services;
    }

    // The meter comes from the host's IMeterFactory when there is one; the stores behind the gauges are resolved on first collection.
    private static HeraldMetrics CreateMetrics(IServiceProvider services) => new(
        services.GetRequiredService<HeraldModel>(),
        services.GetRequiredService<ITransport>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<IMeterFactory>(),
        new HeraldGaugeSources(
            () => services.GetRequiredService<DeadLetterLedger>(),
            services.GetService<OutboxOptions>() is null ? null : () => services.GetRequiredService<IOutboxStore>()));

    // Every dead letter the application writes, redrives or purges goes through the ledger, which bounds the queues.
    private static DeadLetterLedger CreateDeadLetterLedger(IServiceProvider services)
    {
        var metrics = services.GetRequiredService<HeraldMetrics>();
        return new DeadLetterLedger(
            CreateDeadLetterStore(services),
            services.GetRequiredService<HeraldOptions>().DeadLetters,
            services.GetRequiredService<TimeProvider>(),
            metrics.DeadLetterEvicted);
    }

    // The transport's store, always: Herald keeps no dead letters in memory behind a transport's back.
    private static IDeadLetterStore CreateDeadLetterStore(IServiceProvider services)
    {
        var transport = services.GetRequiredService<ITransport>();
        return transport.DeadLetterStore ?? throw new InvalidOperationException(
            $"The transport {transport.GetType().Name} returned no DeadLetterStore. A transport names where it keeps dead letters: " +
            "a store as durable as its events, or an InMemoryDeadLetterStore of its own when its events do not outlive the process.");
    }
}
