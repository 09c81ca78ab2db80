using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Herald.Events;

/// <summary>Turns payloads into JSON and back through the registry's type metadata only.</summary>
internal static class EventSerializer
{
    public static byte[] Serialize<TEvent>(EventDescriptor descriptor, TEvent value) =>
        descriptor.TypeInfo is JsonTypeInfo<TEvent> typed
            ? JsonSerializer.SerializeToUtf8Bytes(value, typed)
            : JsonSerializer.SerializeToUtf8Bytes(value, descriptor.TypeInfo);

    /// <exception cref="EventFormatException">The data is not a JSON payload of the descriptor's type, or constructing the event failed.</exception>
    public static object Deserialize(EventDescriptor descriptor, ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, descriptor.TypeInfo)
                ?? throw new EventFormatException($"The payload of '{descriptor.Name}' is JSON null.");
        }
        catch (Exception e) when (e is not EventFormatException)
        {
            // Not only JsonException: a constructor that refuses a value, or a property type the serializer cannot
            // create (NotSupportedException), fails this payload on every attempt just the same.
            throw new EventFormatException(
                $"The payload of '{descriptor.Name}' v{descriptor.Version} cannot be read as {descriptor.ClrType.Name}: {e.Message}", e);
        }
    }
}
