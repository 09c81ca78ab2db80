using System.Diagnostics.CodeAnalysis;

namespace Herald.Events;

/// <summary>Holds every event type the application registered: the allow-list for deserialization.</summary>
/// <remarks>
/// A message is deserialized only into the CLR type registered under its event name; a type named
/// by the message itself is never looked up, so a message cannot make Herald instantiate an
/// arbitrary type. The registry is immutable once built and safe to share between threads.
/// </remarks>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<string, EventDescriptor> _byName;
    private readonly Dictionary<Type, EventDescriptor> _byType;

    internal EventTypeRegistry(IEnumerable<EventDescriptor> descriptors)
    {
        _byName = new(StringComparer.Ordinal);
        _byType = [];
        foreach (var descriptor in descriptors)
        {
            if (_byName.TryGetValue(descriptor.Name, out var existing) && existing.ClrType != descriptor.ClrType)
            {
                throw new InvalidOperationException(
                    $"Event name '{descriptor.Name}' is registered for both {existing.ClrType.FullName} and {descriptor.ClrType.FullName}; each event name maps to one type.");
            }

            _byName[descriptor.Name] = descriptor;
            _byType[descriptor.ClrType] = descriptor;
        }
    }

    /// <summary>Gets every registered event type.</summary>
    public IReadOnlyCollection<EventDescriptor> Events => _byName.Values;

    /// <summary>Finds the event type registered under <paramref name="name"/>.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out EventDescriptor? descriptor) =>
        _byName.TryGetValue(name, out descriptor);

    /// <summary>Finds the registration of CLR type <paramref name="type"/>.</summary>
    public bool TryGet(Type type, [NotNullWhen(true)] out EventDescriptor? descriptor) =>
        _byType.TryGetValue(type, out descriptor);

    /// <summary>Gets the registration of CLR type <paramref name="type"/>.</summary>
    /// <exception cref="InvalidOperationException">The type is not registered.</exception>
    public EventDescriptor Get(Type type) =>
        TryGet(type, out var descriptor)
            ? descriptor
            : throw new InvalidOperationException(
                $"{type.FullName} is not a registered event. Mark it [Event(\"name\")] and register it with AddEvent<{type.Name}>() or a handler.");
}
