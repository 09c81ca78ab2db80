using System.Diagnostics;
using Herald.Events;
using Herald.Hosting;
using Herald.Internal;

namespace Herald.Publishing;

/// <summary>Builds the envelope of a publish and guards the causation depth; shared by <see cref="EventPublisher"/> and the outbox publisher.</summary>
internal sealed class EnvelopeFactory(HeraldModel model, TimeProvider timeProvider)
{
    private static readonly Dictionary<string, string> EmptyHeaders = [];

    /// <summary>Builds the envelope of <paramref name="event"/>; returns it with the topic it goes to.</summary>
    public (string Topic, EventEnvelope Envelope) Create<TEvent>(TEvent @event, PublishOptions? options)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(@event);
        var descriptor = model.Registry.Get(@event.GetType());
        if (descriptor.SequencePerKey && options?.Sequence is null)
        {
            throw new InvalidOperationException(
                $"Event '{descriptor.Name}' is numbered per key in the publishing transaction (SequencePerKey): publish it through IOutboxPublisher or DbContext.PublishEvent, or pass PublishOptions.Sequence.");
        }

        return (descriptor.Topic, Create(descriptor, @event, options));
    }

    /// <summary>Builds the envelope of an outbox publish; returns it with its descriptor, for a sequence the outbox numbers.</summary>
    public (EventDescriptor Descriptor, EventEnvelope Envelope) CreateForOutbox<TEvent>(TEvent @event, PublishOptions? options)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(@event);
        var descriptor = model.Registry.Get(@event.GetType());
        return (descriptor, Create(descriptor, @event, options));
    }

    private EventEnvelope Create<TEvent>(EventDescriptor descriptor, TEvent @event, PublishOptions? options)
        where TEvent : notnull
    {
        var cause = AmbientEvent.Current;
        var depth = cause is null ? 0 : cause.Depth + 1;
        if (depth > model.Options.MaxCausationDepth)
        {
            throw new CausationDepthExceededException(descriptor.Name, depth, model.Options.MaxCausationDepth, cause!.CorrelationId, cause.EventId, cause.EventType);
        }

        var trace = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current : null;
        var now = timeProvider.GetUtcNow();
        var limits = model.Options.Limits;
        var eventId = options?.EventId ?? Guid.CreateVersion7(now).ToString();
        var correlationId = options?.CorrelationId ?? cause?.CorrelationId ?? eventId;
        var userId = options?.UserId ?? cause?.UserId;
        var partitionKey = options?.PartitionKey ?? descriptor.PartitionKey?.Invoke(@event);
        // Everything small is checked before the payload is serialized, the payload while it is.
        CheckIdentifier(descriptor, limits, CloudEventAttributes.Id, eventId);
        CheckIdentifier(descriptor, limits, CloudEventAttributes.CorrelationId, correlationId);
        CheckIdentifier(descriptor, limits, CloudEventAttributes.CausationId, cause?.EventId);
        CheckIdentifier(descriptor, limits, CloudEventAttributes.UserId, userId);
        CheckIdentifier(descriptor, limits, CloudEventAttributes.PartitionKey, partitionKey);
        CheckExtensions(descriptor, limits, options, trace?.TraceStateString);
        var extensions = Extensions(options, trace?.TraceStateString);
        return new EventEnvelope
        {
            EventId = eventId,
            EventType = descriptor.Name,
            EventVersion = descriptor.Version,
            Timestamp = now,
            Source = model.Options.ServiceName,
            CorrelationId = correlationId,
            CausationId = cause?.EventId,
            UserId = userId,
            TraceParent = trace?.Id,
            PartitionKey = partitionKey,
            Sequence = options?.Sequence ?? descriptor.Sequence?.Invoke(@event),
            Depth = depth,
            Extensions = extensions,
            Data = EventSerializer.Serialize(descriptor, @event, limits.MaxEventSize),
        };
    }

    private static void CheckIdentifier(EventDescriptor descriptor, EventLimits limits, string attribute, string? value)
    {
        if (value is not null && value.Length > limits.MaxIdentifierLength)
        {
            throw new EventTooLargeException(descriptor.Name, nameof(EventLimits.MaxIdentifierLength), limits.MaxIdentifierLength, value.Length, attribute,
                "nothing was published");
        }
    }

    private static void CheckExtensions(EventDescriptor descriptor, EventLimits limits, PublishOptions? options, string? traceState)
    {
        var headers = options?.Headers;
        var count = (headers?.Count ?? 0) + (traceState is null ? 0 : 1);
        if (count > limits.MaxExtensions)
        {
            throw new EventTooLargeException(descriptor.Name, nameof(EventLimits.MaxExtensions), limits.MaxExtensions, count, null,
                "nothing was published (the extensions are PublishOptions.Headers, plus the trace state inside a trace)");
        }

        CheckValue(descriptor, limits, Diagnostics.MessagingAttributes.TraceState, traceState);
        foreach (var (name, value) in headers ?? EmptyHeaders)
        {
            CheckValue(descriptor, limits, name, value);
        }
    }

    private static void CheckValue(EventDescriptor descriptor, EventLimits limits, string name, string? value)
    {
        if (value is not null && value.Length > limits.MaxAttributeLength)
        {
            throw new EventTooLargeException(descriptor.Name, nameof(EventLimits.MaxAttributeLength), limits.MaxAttributeLength, value.Length, name,
                "nothing was published");
        }
    }

    // The trace state travels as the extension the CloudEvents Distributed Tracing extension names, next to traceparent.
    private static IReadOnlyDictionary<string, string> Extensions(PublishOptions? options, string? traceState)
    {
        if (traceState is null)
        {
            return options is { Headers.Count: > 0 } ? ValidatedHeaders(options.Headers) : EventEnvelope.EmptyExtensions;
        }

        var extensions = options is { Headers.Count: > 0 } ? ValidatedHeaders(options.Headers) : new Dictionary<string, string>(1, StringComparer.Ordinal);
        extensions[Diagnostics.MessagingAttributes.TraceState] = traceState;
        return extensions;
    }

    private static Dictionary<string, string> ValidatedHeaders(IDictionary<string, string> headers)
    {
        foreach (var name in headers.Keys)
        {
            if (!CloudEventAttributes.IsValidExtensionName(name) || CloudEventAttributes.IsReserved(name))
            {
                throw new ArgumentException(
                    $"Header '{name}' cannot travel as a CloudEvents extension: use 1–20 of a-z and 0-9, and no name Herald maps itself (id, type, source, depth, …).",
                    nameof(headers));
            }
        }

        return new Dictionary<string, string>(headers, StringComparer.Ordinal);
    }
}
