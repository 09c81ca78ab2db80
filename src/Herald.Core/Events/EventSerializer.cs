using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Herald.Events;

/// <summary>Turns payloads into JSON and back through the registry's type metadata only.</summary>
internal static class EventSerializer
{
    // The serializer's own default depth when JsonSerializerOptions.MaxDepth is 0.
    private const int DefaultMaxDepth = 64;

    [ThreadStatic]
    private static (JsonSerializerOptions Options, Utf8JsonWriter Writer)? _cachedWriter;

    public static byte[] Serialize<TEvent>(EventDescriptor descriptor, TEvent value) =>
        descriptor.TypeInfo is JsonTypeInfo<TEvent> typed
            ? JsonSerializer.SerializeToUtf8Bytes(value, typed)
            : JsonSerializer.SerializeToUtf8Bytes(value, descriptor.TypeInfo);

    /// <summary>Serializes into a pooled buffer and copies out the result, stopping as soon as it passes <paramref name="maxBytes"/>.</summary>
    /// <exception cref="EventTooLargeException">The payload is over <paramref name="maxBytes"/>.</exception>
    public static byte[] Serialize<TEvent>(EventDescriptor descriptor, TEvent value, int maxBytes)
    {
        using var buffer = new BoundedBufferWriter(maxBytes);
        var writer = RentWriter(descriptor.TypeInfo.Options, buffer);
        try
        {
            if (descriptor.TypeInfo is JsonTypeInfo<TEvent> typed)
            {
                JsonSerializer.Serialize(writer, value, typed);
            }
            else
            {
                JsonSerializer.Serialize(writer, value, descriptor.TypeInfo);
            }

            writer.Flush();
        }
        catch (Exception) when (buffer.Exceeded)
        {
            // The serializer may wrap what the buffer threw; either way the payload is over the limit.
            throw new EventTooLargeException(descriptor.Name, "MaxEventSize", maxBytes, Math.Max(buffer.Written, maxBytes + 1L), null,
                "serialization stopped there, so the data is at least that large; nothing was published");
        }
        finally
        {
            ReturnWriter(descriptor.TypeInfo.Options, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

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

    // One writer per thread and options, reset onto each publish's buffer, as JsonSerializer caches its own. Taken out of
    // the cache while in use, so a serialization that publishes (a converter, say) gets a writer of its own.
    private static Utf8JsonWriter RentWriter(JsonSerializerOptions options, BoundedBufferWriter buffer)
    {
        if (_cachedWriter is { } cached && ReferenceEquals(cached.Options, options))
        {
            _cachedWriter = null;
            cached.Writer.Reset(buffer);
            return cached.Writer;
        }

        return new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            MaxDepth = options.MaxDepth == 0 ? DefaultMaxDepth : options.MaxDepth,
        });
    }

    private static void ReturnWriter(JsonSerializerOptions options, Utf8JsonWriter writer)
    {
        writer.Reset(Stream.Null);
        _cachedWriter = (options, writer);
    }
}
