using System.Reflection;
using System.Text.Json;
using Herald.Events;

namespace Herald.Testing.Contracts;

/// <summary>One event the producer showed, reduced to what contracts check: its type, version and JSON payload.</summary>
internal sealed record ContractSample(string EventType, int Version, JsonElement Payload)
{
    /// <summary>Reads an <see cref="EventEnvelope"/>, a <see cref="PublishedEvent"/>, or an event object marked [Event].</summary>
    /// <exception cref="ArgumentException">The sample is none of those, or its payload is not JSON.</exception>
    public static ContractSample From(object sample, JsonSerializerOptions json)
    {
        switch (sample)
        {
            case PublishedEvent published:
                return From(published.Envelope, json);
            case EventEnvelope envelope:
                if (!envelope.DataContentType.Contains("json", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException(
                        $"Sample {envelope.EventType} v{envelope.EventVersion} ({envelope.EventId}) has content type '{envelope.DataContentType}'; contracts check JSON payloads only.", nameof(sample));
                }

                return new(envelope.EventType, envelope.EventVersion, Parse(envelope.Data, $"{envelope.EventType} v{envelope.EventVersion} ({envelope.EventId})"));
            default:
                var attribute = sample.GetType().GetCustomAttribute<EventAttribute>() ?? throw new ArgumentException(
                    $"Sample {sample.GetType().Name} is not an EventEnvelope, a PublishedEvent or a type marked [Event]; pass the envelopes the producer published.", nameof(sample));
                return new(attribute.Name, attribute.Version, Parse(JsonSerializer.SerializeToUtf8Bytes(sample, sample.GetType(), json), attribute.Name));
        }
    }

    private static JsonElement Parse(ReadOnlyMemory<byte> data, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The payload of sample {what} is not JSON: {e.Message}", nameof(data), e);
        }
    }
}
