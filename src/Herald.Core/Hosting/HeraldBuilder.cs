using System.Reflection;
using Herald.Consuming;
using Herald.Events.Upcasting;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Hosting;

/// <summary>Collects Herald's configuration: events, handlers, consumer groups and the transport.</summary>
public sealed class HeraldBuilder
{
    internal HeraldBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the application's service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Gets the options; set them inside the <c>AddHerald</c> callback.</summary>
    public HeraldOptions Options { get; } = new();

    internal List<EventRegistrationEntry> Events { get; } = [];

    internal List<HandlerRegistration> Handlers { get; } = [];

    internal List<IEventUpcaster> Upcasters { get; } = [];

    internal Dictionary<string, Action<ConsumerGroupOptions>> GroupConfigurations { get; } = new(StringComparer.Ordinal);

    internal Func<IServiceProvider, ITransport>? TransportFactory { get; private set; }

    /// <summary>Registers an event type; needed only for types no handler of this application handles.</summary>
    public HeraldBuilder AddEvent<TEvent>(Action<EventRegistration<TEvent>>? configure = null)
        where TEvent : notnull
    {
        var registration = new EventRegistration<TEvent>();
        configure?.Invoke(registration);
        Events.Add(new(typeof(TEvent), registration.Name, registration.Version, registration.Topic, registration.Selectors));
        return this;
    }

    /// <summary>Registers a handler class for every <see cref="IEventHandler{TEvent}"/> it implements.</summary>
    /// <param name="group">The consumer group. Default: the class's <see cref="ConsumerGroupAttribute"/>, else <see cref="HeraldOptions.ServiceName"/>.</param>
    public HeraldBuilder AddHandler<THandler>(string? group = null)
        where THandler : class =>
        AddHandler(typeof(THandler), group);

    /// <summary>Registers a handler class for every <see cref="IEventHandler{TEvent}"/> it implements.</summary>
    public HeraldBuilder AddHandler(Type handlerType, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(handlerType);
        var eventTypes = HandledEventTypes(handlerType).ToList();
        if (eventTypes.Count == 0 || handlerType.IsAbstract)
        {
            throw new ArgumentException($"{handlerType.FullName} is not a concrete class implementing IEventHandler<TEvent>.", nameof(handlerType));
        }

        group ??= handlerType.GetCustomAttribute<ConsumerGroupAttribute>()?.Name;
        foreach (var eventType in eventTypes)
        {
            Handlers.Add(new(handlerType, eventType, group));
        }

        Services.TryAddScoped(handlerType);
        return this;
    }

    /// <summary>Registers every concrete handler class, every <see cref="Events.EventAttribute"/> record and every upcaster of <paramref name="assembly"/>.</summary>
    /// <param name="assembly">The assembly to scan.</param>
    /// <param name="group">The consumer group of handlers without a <see cref="ConsumerGroupAttribute"/>. Default: <see cref="HeraldOptions.ServiceName"/>.</param>
    public HeraldBuilder AddHandlersFromAssembly(Assembly assembly, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        AddEventsFromAssembly(assembly);
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            if (HandledEventTypes(type).Any())
            {
                AddHandler(type, group);
            }
        }

        return this;
    }

    /// <summary>Registers every type of <paramref name="assembly"/> marked with <see cref="Events.EventAttribute"/>, so it can be published,
    /// and every concrete <see cref="IEventUpcaster"/> class with a public parameterless constructor.</summary>
    public HeraldBuilder AddEventsFromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(t => !t.IsGenericTypeDefinition && t.IsDefined(typeof(Events.EventAttribute), inherit: false)))
        {
            if (!Events.Exists(e => e.Type == type))
            {
                Events.Add(new(type, null, null, null, null));
            }
        }

        // Upcasters that need constructor arguments are registered as instances with AddUpcaster(upcaster).
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
            && typeof(IEventUpcaster).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null))
        {
            if (!Upcasters.Exists(u => u.GetType() == type))
            {
                Upcasters.Add((IEventUpcaster)Activator.CreateInstance(type)!);
            }
        }

        return this;
    }

    /// <summary>Registers an upcaster, which reads one older version of an event as the next; once per type.</summary>
    /// <remarks>Consumers chain an event's upcasters from the version they receive to the current one. The chain is
    /// validated when the application starts (see <see cref="IEventUpcaster"/>).</remarks>
    public HeraldBuilder AddUpcaster<TUpcaster>()
        where TUpcaster : IEventUpcaster, new()
    {
        if (!Upcasters.Exists(u => u.GetType() == typeof(TUpcaster)))
        {
            Upcasters.Add(new TUpcaster());
        }

        return this;
    }

    /// <summary>Registers an upcaster instance, such as one whose constructor takes the event name or field names.</summary>
    public HeraldBuilder AddUpcaster(IEventUpcaster upcaster)
    {
        ArgumentNullException.ThrowIfNull(upcaster);
        if (!Upcasters.Contains(upcaster))
        {
            Upcasters.Add(upcaster);
        }

        return this;
    }

    /// <summary>Configures a consumer group; several calls for one group apply in order.</summary>
    public HeraldBuilder ConfigureGroup(string group, Action<ConsumerGroupOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(configure);
        GroupConfigurations[group] = GroupConfigurations.TryGetValue(group, out var previous) ? previous + configure : configure;
        return this;
    }

    /// <summary>Uses the transport <paramref name="factory"/> creates; it is created once, as a singleton.</summary>
    /// <remarks>Without a transport chosen, Herald uses the default transport of the <c>Herald</c> package, the embedded log
    /// (see <see cref="DefaultTransportAttribute"/>).</remarks>
    public HeraldBuilder UseTransport(Func<IServiceProvider, ITransport> factory)
    {
        TransportFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Uses a transport of type <typeparamref name="TTransport"/> with options of type <typeparamref name="TOptions"/>,
    /// the way each transport package's <c>Use…</c> method does.</summary>
    /// <remarks>The options are created, configured and checked now, so a bad option fails here; the transport is created
    /// once, as a singleton, by its public constructor, which gets the options, <see cref="HeraldOptions.Limits"/>, and its
    /// other parameters (the clock, a logger) from the container.</remarks>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <param name="validate">Checks the configured options and throws on a bad one; <see langword="null"/> checks nothing here.</param>
    public HeraldBuilder UseTransport<TTransport, TOptions>(Action<TOptions>? configure, Action<TOptions>? validate = null)
        where TTransport : ITransport
        where TOptions : class, new()
    {
        var options = new TOptions();
        configure?.Invoke(options);
        validate?.Invoke(options);
        return UseTransport(sp => ActivatorUtilities.CreateInstance<TTransport>(sp, options, sp.GetRequiredService<HeraldOptions>().Limits));
    }

    /// <summary>Uses the in-memory transport: partitioned and ordered like a broker, but not durable.</summary>
    public HeraldBuilder UseInMemoryTransport(Action<InMemoryTransportOptions>? configure = null) =>
        UseTransport<InMemoryTransport, InMemoryTransportOptions>(configure);

    private static IEnumerable<Type> HandledEventTypes(Type type) =>
        type.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEventHandler<>))
            .Select(i => i.GetGenericArguments()[0]);
}
