using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Herald.Consuming;
using Herald.Events;
using Herald.Events.Upcasting;
using Herald.Internal;

namespace Herald.Hosting;

/// <summary>The validated configuration: the event registry and the subscriptions, built once at start-up.</summary>
internal sealed class HeraldModel
{
    private HeraldModel(HeraldOptions options, EventTypeRegistry registry, IReadOnlyList<Subscription> subscriptions)
    {
        Options = options;
        Registry = registry;
        Subscriptions = subscriptions;
    }

    public HeraldOptions Options { get; }

    public EventTypeRegistry Registry { get; }

    public IReadOnlyList<Subscription> Subscriptions { get; }

    /// <exception cref="InvalidOperationException">The configuration is inconsistent; the message names what to fix.</exception>
    public static HeraldModel Build(HeraldBuilder builder)
    {
        var options = builder.Options;
        if (options.MaxCausationDepth is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"HeraldOptions.MaxCausationDepth is {options.MaxCausationDepth}; it must be from 1 to 10,000.");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            throw new InvalidOperationException("HeraldOptions.ServiceName is empty; it names the source of published events.");
        }

        Names.ValidateSource(options.ServiceName);
        options.Limits.Validate();
        if (options.ServiceName.Length > options.Limits.MaxIdentifierLength)
        {
            throw new InvalidOperationException(
                $"HeraldOptions.ServiceName is {options.ServiceName.Length} characters, over HeraldOptions.Limits.MaxIdentifierLength ({options.Limits.MaxIdentifierLength}); it becomes the source of every event.");
        }
        options.DeadLetters.Validate();

        var registry = new EventTypeRegistry(Descriptors(builder));
        UpcasterChainBuilder.Build(builder.Upcasters, registry, options.JsonSerializerOptions);
        return new HeraldModel(options, registry, BuildSubscriptions(builder, registry));
    }

    private static IEnumerable<EventDescriptor> Descriptors(HeraldBuilder builder)
    {
        var entries = new Dictionary<Type, EventRegistrationEntry>();
        foreach (var entry in builder.Events)
        {
            entries[entry.Type] = entries.TryGetValue(entry.Type, out var previous)
                ? new(entry.Type, entry.Name ?? previous.Name, entry.Version ?? previous.Version, entry.Topic ?? previous.Topic, EventRegistrationEntry.EventSelectors.Merge(entry.Selectors, previous.Selectors))
                : entry;
        }

        foreach (var handler in builder.Handlers)
        {
            entries.TryAdd(handler.EventType, new(handler.EventType, null, null, null, null));
        }

        var json = builder.Options.JsonSerializerOptions;
        if (json.TypeInfoResolver is null && !json.IsReadOnly)
        {
            // Reflection metadata unless the application supplied a (source-generated) resolver.
            json.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        }

        foreach (var entry in entries.Values)
        {
            var attribute = entry.Type.GetCustomAttribute<EventAttribute>();
            var name = entry.Name ?? attribute?.Name ?? throw new InvalidOperationException(
                $"{entry.Type.FullName} has no event name: mark it [Event(\"name\")] or register it with AddEvent<{entry.Type.Name}>(e => e.Name = \"name\").");
            Names.ValidateEventName(name, entry.Type);
            if (name.Length > builder.Options.Limits.MaxIdentifierLength)
            {
                throw new InvalidOperationException(
                    $"Event name '{name}' of {entry.Type.FullName} is {name.Length} characters, over HeraldOptions.Limits.MaxIdentifierLength ({builder.Options.Limits.MaxIdentifierLength}).");
            }

            var version = entry.Version ?? attribute?.Version ?? 1;
            if (version < 1)
            {
                throw new InvalidOperationException($"Event '{name}' ({entry.Type.FullName}) has version {version}; versions start at 1.");
            }

            var topic = entry.Topic ?? attribute?.Topic ?? name;
            Names.ValidateTopicOrGroup(topic, $"Topic of event '{name}'");
            if (entry.Selectors is { Sequence: not null, SequencePerKey: true })
            {
                throw new InvalidOperationException($"Event '{name}' ({entry.Type.FullName}) takes its sequence from the event and numbers it per key: choose Sequence(...) or SequencePerKey().");
            }

            yield return new EventDescriptor(name, version, entry.Type, topic, json.GetTypeInfo(entry.Type), entry.Selectors?.PartitionKey, entry.Selectors?.Sequence, entry.Selectors?.SequencePerKey ?? false);
        }
    }

    private static List<Subscription> BuildSubscriptions(HeraldBuilder builder, EventTypeRegistry registry)
    {
        var bindings = new Dictionary<(string Group, string Topic), Dictionary<string, HandlerBinding>>();
        foreach (var handler in builder.Handlers)
        {
            var group = handler.Group ?? builder.Options.ServiceName;
            Names.ValidateTopicOrGroup(group, "Consumer group");
            var descriptor = registry.Get(handler.EventType);
            var key = (group, descriptor.Topic);
            if (!bindings.TryGetValue(key, out var byEvent))
            {
                bindings[key] = byEvent = new(StringComparer.Ordinal);
            }

            if (byEvent.TryGetValue(descriptor.Name, out var existing) && existing.HandlerType != handler.HandlerType)
            {
                throw new InvalidOperationException(
                    $"Consumer group '{group}' has two handlers for '{descriptor.Name}': {existing.HandlerType.FullName} and {handler.HandlerType.FullName}. " +
                    "A group handles each event once; put the second handler in its own consumer group.");
            }

            byEvent[descriptor.Name] = new HandlerBinding(descriptor, handler.HandlerType, HandlerInvoker.Create(handler.HandlerType, handler.EventType));
        }

        var subscriptions = new List<Subscription>(bindings.Count);
        foreach (var ((group, topic), handlers) in bindings)
        {
            var groupOptions = new ConsumerGroupOptions();
            if (builder.GroupConfigurations.TryGetValue(group, out var configure))
            {
                configure(groupOptions);
            }

            groupOptions.Validate(group);
            subscriptions.Add(new Subscription(topic, group, groupOptions, handlers));
        }

        var unknownGroups = builder.GroupConfigurations.Keys.Except(subscriptions.Select(s => s.Group), StringComparer.Ordinal).ToList();
        if (unknownGroups.Count > 0)
        {
            throw new InvalidOperationException(
                $"ConfigureGroup names consumer group(s) with no handler: {string.Join(", ", unknownGroups.Select(g => $"'{g}'"))}. Check the spelling.");
        }

        return subscriptions;
    }
}
