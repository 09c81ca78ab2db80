using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Internal;

/// <summary>Dead-letters, in one consumer group, the messages that are not readable CloudEvents, keeping what arrived.</summary>
/// <remarks>
/// Such a message has no envelope for the pipeline, so the transport writes its dead letter itself: an envelope of type
/// <see cref="EventType"/> whose data is the raw body, with the AMQP headers and properties as the JSON extensions
/// <c>amqpheaders</c> and <c>amqpproperties</c>, and the reason as an <see cref="DeadLetterReason.Undeserializable"/>
/// failure. Its id is the message's CloudEvents id or message id when it has one, else a hash of the message, so a
/// message that comes again after a crash between the save and its acknowledgement replaces its own dead letter.
/// </remarks>
internal sealed partial class UnreadableMessages(IDeadLetterStore store, string topic, string group, TimeProvider timeProvider, ILogger logger, EventLimits limits)
{
    /// <summary>Gets the limits messages are held to; one over them is dead-lettered here with what the limits let it keep.</summary>
    public EventLimits Limits => limits;

    /// <summary>The event type of a dead letter that holds an unreadable message; a redrive delivers it to handlers of that type.</summary>
    public const string EventType = "herald.unreadable-message";

    // The headers Herald maps itself, kept beyond MaxExtensions in the letter of a message over the limits.
    private const int MappedAttributes = 16;
    private const string DeliveryCountHeader = "x-delivery-count";

    /// <summary>Saves the message's dead letter (confirmed by the broker) and logs it; throws when it could not be saved.</summary>
    /// <remarks>A message over the limits (<see cref="EventTooLargeException"/>) keeps its body only when the body is within
    /// <see cref="EventLimits.MaxEventSize"/>, and its headers only as far as the limits go: the letter says so.</remarks>
    public async Task SaveAsync(string queue, BasicDeliverEventArgs message, Exception error)
    {
        var now = timeProvider.GetUtcNow();
        var tooLarge = error is EventTooLargeException;
        var keepBody = !tooLarge || message.Body.Length <= limits.MaxEventSize;
        var envelope = new EventEnvelope
        {
            EventId = Id(message, limits),
            EventType = EventType,
            Timestamp = now,
            Source = "/herald/rabbitmq/" + queue,
            CorrelationId = message.BasicProperties.CorrelationId ?? string.Empty,
            DataContentType = message.BasicProperties.ContentType ?? "application/octet-stream",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["amqpheaders"] = Headers(message.BasicProperties, tooLarge ? limits : null),
                ["amqpproperties"] = Properties(message),
            },
            Data = keepBody ? message.Body.ToArray() : [],
        };
        var letter = new DeadLetter
        {
            Group = group,
            Topic = OriginalTopic(),
            Envelope = envelope,
            Failure = new DeadLetterFailure(tooLarge ? DeadLetterReason.TooLarge : DeadLetterReason.Undeserializable, error.GetType().FullName!, error.Message, null, null, 0, now, now, now),
        };
        await store.SaveAsync(letter);
        Dead(logger, queue, group, envelope.EventId, error.Message);
    }

    /// <summary>Logs that a message could not be dead-lettered; it stays unacknowledged and comes again.</summary>
    public void SaveFailed(string queue, Exception error) => NotSaved(logger, error, queue, group);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "A message in RabbitMQ queue {Queue} is not a readable CloudEvent; it was dead-lettered in group {Group} as {EventId}: {Reason}")]
    private static partial void Dead(ILogger logger, string queue, string group, string eventId, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error,
        Message = "An unreadable message in RabbitMQ queue {Queue} could not be dead-lettered in group {Group}; it stays unacknowledged and comes again")]
    private static partial void NotSaved(ILogger logger, Exception error, string queue, string group);

    // A redrive topic's group dead-letters under the topic the event was first published to, as the pipeline does.
    private string OriginalTopic()
    {
        var redrive = $"__herald.redrive.{group}.";
        return topic.StartsWith(redrive, StringComparison.Ordinal) ? topic[redrive.Length..] : topic;
    }

    private static string Id(BasicDeliverEventArgs message, EventLimits limits)
    {
        var headers = message.BasicProperties.Headers;
        foreach (var name in (string[])[CloudEventsBinding.Amqp.HeaderName("id"), CloudEventsBinding.Amqp.AlternatePrefix + "id"])
        {
            if (headers is not null && headers.TryGetValue(name, out var value) && !IsLong(value, limits.MaxIdentifierLength)
                && EnvelopeMessages.Text(value) is { Length: > 0 } id && id.Length <= limits.MaxIdentifierLength)
            {
                return id;
            }
        }

        if (message.BasicProperties.MessageId is { Length: > 0 } messageId && messageId.Length <= limits.MaxIdentifierLength)
        {
            return messageId;
        }

        return "unreadable-" + Hash(message);
    }

    // With limits (a message over them), a value longer than MaxAttributeLength is replaced by a note of its length, and
    // headers past MaxExtensions are counted, not kept, so that the letter can be stored.
    private static string Headers(IReadOnlyBasicProperties properties, EventLimits? limits) => Json(writer =>
    {
        var kept = 0;
        var dropped = 0;
        foreach (var (name, value) in properties.Headers ?? new Dictionary<string, object?>())
        {
            if (name == DeliveryCountHeader)
            {
                // The quorum queue's count rises on every redelivery: kept, it would make the same message another dead letter.
                continue;
            }

            if (limits is null)
            {
                writer.WriteString(name, EnvelopeMessages.Text(value));
            }
            else if (kept >= limits.MaxExtensions + MappedAttributes || name.Length > limits.MaxAttributeLength)
            {
                dropped++;
            }
            else
            {
                kept++;
                writer.WriteString(name, IsLong(value, limits.MaxAttributeLength)
                    ? string.Create(CultureInfo.InvariantCulture, $"({Length(value):N0} characters, over MaxAttributeLength {limits.MaxAttributeLength:N0}; not kept)")
                    : EnvelopeMessages.Text(value));
            }
        }

        if (dropped > 0)
        {
            writer.WriteString("herald-not-kept", string.Create(CultureInfo.InvariantCulture, $"{dropped:N0} more headers, over MaxExtensions"));
        }
    });

    private static bool IsLong(object? value, int max) => value switch
    {
        byte[] bytes => bytes.Length > max && Encoding.UTF8.GetCharCount(bytes) > max,
        string text => text.Length > max,
        _ => false,
    };

    private static int Length(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetCharCount(bytes),
        string text => text.Length,
        _ => 0,
    };

    private static string Properties(BasicDeliverEventArgs message) => Json(writer =>
    {
        var p = message.BasicProperties;
        writer.WriteString("exchange", message.Exchange);
        writer.WriteString("routing-key", message.RoutingKey);
        WriteIfSet(writer, "content-type", p.ContentType);
        WriteIfSet(writer, "content-encoding", p.ContentEncoding);
        WriteIfSet(writer, "message-id", p.MessageId);
        WriteIfSet(writer, "correlation-id", p.CorrelationId);
        WriteIfSet(writer, "type", p.Type);
        WriteIfSet(writer, "app-id", p.AppId);
        WriteIfSet(writer, "user-id", p.UserId);
        if (p.IsTimestampPresent())
        {
            writer.WriteString("timestamp", EnvelopeMessages.Text(p.Timestamp));
        }
    });

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Hashes the headers and body of a message without an id, so the same message gets the same dead letter.</summary>
    private static string Hash(BasicDeliverEventArgs message)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, value) in (message.BasicProperties.Headers ?? new Dictionary<string, object?>()).OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            // Broker and client headers (x-delivery-count rises on every redelivery) would give the same message another id.
            if (!name.StartsWith("x-", StringComparison.Ordinal))
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}\n{EnvelopeMessages.Text(value)}\n"));
            }
        }

        sha.AppendData(message.Body.Span);
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16));
    }
}
