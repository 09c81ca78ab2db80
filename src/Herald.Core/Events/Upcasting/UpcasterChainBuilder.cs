using System.Text.Json;

namespace Herald.Events.Upcasting;

/// <summary>Validates the registered upcasters at start-up and attaches one <see cref="UpcasterChain"/> to each event that has some.</summary>
internal static class UpcasterChainBuilder
{
    /// <exception cref="InvalidOperationException">An upcaster names an unregistered event, does not raise the version, goes beyond
    /// the current version, duplicates another, cannot be serialized, or leaves a gap; the message names the event, versions and types.</exception>
    public static void Build(IEnumerable<IEventUpcaster> upcasters, EventTypeRegistry registry, JsonSerializerOptions json)
    {
        foreach (var upcastersOfEvent in upcasters.GroupBy(u => u.EventName ?? "", StringComparer.Ordinal))
        {
            var byFromVersion = new Dictionary<int, IEventUpcaster>();
            EventDescriptor? @event = null;
            foreach (var upcaster in upcastersOfEvent)
            {
                @event ??= Event(upcaster, registry);
                ValidateVersions(upcaster, @event);
                if (!byFromVersion.TryAdd(upcaster.FromVersion, upcaster))
                {
                    throw new InvalidOperationException(
                        $"Event '{@event.Name}' has two upcasters from v{upcaster.FromVersion}: {byFromVersion[upcaster.FromVersion].GetType().FullName} " +
                        $"and {upcaster.GetType().FullName}. A version is upcast one way only; remove one of them.");
                }

                ValidateShapes(upcaster, json);
            }

            ValidateLinks(@event!, byFromVersion);
            UpcasterChain.Attach(@event!, new UpcasterChain(@event!, byFromVersion, json));
        }
    }

    private static EventDescriptor Event(IEventUpcaster upcaster, EventTypeRegistry registry) =>
        registry.TryGet(upcaster.EventName ?? "", out var @event)
            ? @event
            : throw new InvalidOperationException(
                $"Upcaster {upcaster.GetType().FullName} upcasts '{upcaster.EventName}', which is not a registered event. " +
                "Check the name, or register the event type with AddEvent<T>() or a handler.");

    private static void ValidateVersions(IEventUpcaster upcaster, EventDescriptor @event)
    {
        var (from, to, type) = (upcaster.FromVersion, upcaster.ToVersion, upcaster.GetType().FullName);
        if (from < 1)
        {
            throw new InvalidOperationException($"Upcaster {type} upcasts '{@event.Name}' from v{from}; versions start at 1.");
        }

        if (to <= from)
        {
            throw new InvalidOperationException(
                $"Upcaster {type} declares '{@event.Name}' v{from}→v{to}: an upcaster must raise the version, " +
                "and one that keeps or lowers it would make the chain a cycle.");
        }

        if (to > @event.Version)
        {
            throw new InvalidOperationException(
                $"Upcaster {type} upcasts '{@event.Name}' to v{to}, beyond v{@event.Version}, the current version of {@event.ClrType.FullName}. " +
                "Raise the event's version, or fix the upcaster's.");
        }
    }

    private static void ValidateShapes(IEventUpcaster upcaster, JsonSerializerOptions json)
    {
        if (upcaster is not ITypedUpcaster typed)
        {
            return;
        }

        foreach (var shape in typed.Shapes)
        {
            try
            {
                json.GetTypeInfo(shape);
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                throw new InvalidOperationException(
                    $"Upcaster {upcaster.GetType().FullName} reads or writes {shape.FullName}, which HeraldOptions.JsonSerializerOptions cannot serialize: " +
                    $"{e.Message} With a source-generated resolver, add the type to its context.", e);
            }
        }
    }

    private static void ValidateLinks(EventDescriptor @event, Dictionary<int, IEventUpcaster> byFromVersion)
    {
        foreach (var upcaster in byFromVersion.Values.OrderBy(u => u.FromVersion))
        {
            if (upcaster.ToVersion != @event.Version && !byFromVersion.ContainsKey(upcaster.ToVersion))
            {
                throw new InvalidOperationException(
                    $"Event '{@event.Name}' ({@event.ClrType.FullName}, current v{@event.Version}) has a gap in its upcasters: " +
                    $"{upcaster.GetType().FullName} leads v{upcaster.FromVersion}→v{upcaster.ToVersion}, and no upcaster leads on from v{upcaster.ToVersion}. " +
                    $"Registered: {UpcasterChain.Describe(byFromVersion.Values)}. Add an upcaster from v{upcaster.ToVersion}.");
            }
        }
    }
}
