using System.Text;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.RabbitMQ.Internal;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Tests.Internal;

/// <summary>The AMQP binding's binary mode, without a broker.</summary>
public sealed class EnvelopeMessagesTests
{
    [Fact]
    public void Read_HeadersAsTheClientDeliversThem_RoundTripsTheEnvelope()
    {
        var sent = TestSupport.Envelope("order-1", 3) with { Depth = 2, Extensions = new Dictionary<string, string> { ["tenant"] = "acme" } };
        var properties = EnvelopeMessages.Properties(sent);
        // The client delivers AMQP long strings as bytes.
        var delivered = new BasicProperties
        {
            ContentType = properties.ContentType,
            Headers = properties.Headers!.ToDictionary(h => h.Key, h => (object?)Encoding.UTF8.GetBytes((string)h.Value!)),
        };

        var read = TestSupport.Read(delivered, sent.Data.ToArray());

        Assert.Equal((sent.EventId, sent.PartitionKey, sent.Sequence, sent.Depth), (read.EventId, read.PartitionKey, read.Sequence, read.Depth));
        Assert.Equal("acme", read.Extensions["tenant"]);
        Assert.Equal(sent.Data.ToArray(), read.Data.ToArray());
        Assert.Equal(DeliveryModes.Persistent, properties.DeliveryMode);
    }

    [Fact]
    public void Properties_FullEnvelope_WritesTheAmqpBindingsHeadersInOrder()
    {
        var sent = new EventEnvelope
        {
            EventId = "e1",
            EventType = "order.created",
            Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Source = "/shop",
            CorrelationId = "c1",
            UserId = "Zoë",
            PartitionKey = "order-1",
            Sequence = 7,
            DataContentType = "text/plain",
            Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        };

        var properties = EnvelopeMessages.Properties(sent);

        Assert.Equal(("text/plain", "e1", DeliveryModes.Persistent), (properties.ContentType, properties.MessageId, properties.DeliveryMode));
        Assert.Equal(
            [
                ("cloudEvents_specversion", "1.0"), ("cloudEvents_id", "e1"), ("cloudEvents_source", "/shop"), ("cloudEvents_type", "order.created"),
                ("cloudEvents_time", "2026-01-02T03:04:05.0000000Z"), ("cloudEvents_eventversion", "1"), ("cloudEvents_correlationid", "c1"),
                ("cloudEvents_userid", "Zoë"), ("cloudEvents_partitionkey", "order-1"), ("cloudEvents_sequence", "7"), ("cloudEvents_depth", "0"),
                ("cloudEvents_tenant", "acme"),
            ],
            properties.Headers!.Select(h => (h.Key, (string)h.Value!)));
    }

    [Fact]
    public void Read_OlderColonPrefix_IsAccepted()
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            Headers = new Dictionary<string, object?>
            {
                ["cloudEvents:specversion"] = "1.0"u8.ToArray(),
                ["cloudEvents:id"] = "e1"u8.ToArray(),
                ["cloudEvents:type"] = "shop.order-placed"u8.ToArray(),
                ["cloudEvents:source"] = "/shop"u8.ToArray(),
                ["x-delivery-count"] = 2L,
            },
        };

        var read = TestSupport.Read(properties, "{}"u8.ToArray());

        Assert.Equal(("e1", "shop.order-placed", "/shop"), (read.EventId, read.EventType, read.Source));
    }

    [Fact]
    public void Read_TypedAmqpValues_ParsedAsTheBindingAllows()
    {
        // A producer other than Herald may send the time as a native AMQP timestamp (which the AMQP binding says
        // consumers must accept), integers as AMQP integers and strings as short strings.
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            Headers = new Dictionary<string, object?>
            {
                ["cloudEvents_specversion"] = "1.0",
                ["cloudEvents_id"] = "e1"u8.ToArray(),
                ["cloudEvents_type"] = "shop.order-placed",
                ["cloudEvents_source"] = "/shop"u8.ToArray(),
                ["cloudEvents_time"] = new AmqpTimestamp(1796455256),
                ["cloudEvents_sequence"] = 7,
                ["cloudEvents_depth"] = 2L,
                ["cloudEvents_urgent"] = true,
            },
        };

        var read = TestSupport.Read(properties, "{}"u8.ToArray());

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796455256), read.Timestamp);
        Assert.Equal(("e1", "shop.order-placed", "/shop"), (read.EventId, read.EventType, read.Source));
        Assert.Equal((7L, 2), (read.Sequence, read.Depth));
        Assert.Equal("true", read.Extensions["urgent"]);
    }

    [Fact]
    public void Read_NotACloudEvent_ThrowsEventFormatException() =>
        Assert.Throws<EventFormatException>(() => TestSupport.Read(new BasicProperties(), "{}"u8.ToArray()));

    [Fact]
    public void Read_DeliveredMessageThatIsNotACloudEvent_KeepsWhatArrived()
    {
        var properties = new BasicProperties { ContentType = "text/csv", AppId = "mainframe", Headers = new Dictionary<string, object?> { ["cloudEvents_id"] = "junk-1"u8.ToArray(), ["legacy"] = 7 } };
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var read = EnvelopeMessages.Read(Delivered(properties, "a;b"u8.ToArray()), "herald.imports:loader:p0", new EventLimits(), now, out var error);

        Assert.Contains("specversion", Assert.IsType<EventFormatException>(error).Message, StringComparison.Ordinal);
        Assert.Equal(("junk-1", "junk-1", EnvelopeMessages.UnreadableType, "/herald/rabbitmq/herald.imports:loader:p0", now, "text/csv"),
            (read.EventId, read.CorrelationId, read.EventType, read.Source, read.Timestamp, read.DataContentType));
        Assert.Equal("a;b"u8.ToArray(), read.Data.ToArray());
        Assert.Equal("""{"cloudEvents_id":"junk-1","legacy":"7"}""", read.Extensions["amqpheaders"]);
        Assert.Equal("""{"exchange":"herald.imports","routing-key":"p0","content-type":"text/csv","app-id":"mainframe"}""", read.Extensions["amqpproperties"]);
    }

    [Fact]
    public void Read_SameUnreadableMessageWithoutIdRedelivered_HasTheSameDeadLetter()
    {
        // The quorum queue adds x-delivery-count when it delivers a message again, e.g. after a crash before the acknowledgement:
        // the same dead-letter id makes its letter replace the first; another message without an id has another letter.
        var first = Unreadable(new() { ["legacy"] = "yes" });
        var again = Unreadable(new() { ["legacy"] = "yes", ["x-delivery-count"] = 1L });
        var other = Unreadable(new() { ["legacy"] = "no" });

        Assert.Equal("unreadable", first.EventId);
        Assert.Equal(DeadLetterIdentity.Of(first), DeadLetterIdentity.Of(again));
        Assert.NotEqual(DeadLetterIdentity.Of(first), DeadLetterIdentity.Of(other));

        static EventEnvelope Unreadable(Dictionary<string, object?> headers) =>
            EnvelopeMessages.Read(Delivered(new BasicProperties { Headers = headers }, "a,b"u8.ToArray()), "q", new EventLimits(), DateTimeOffset.UnixEpoch, out _);
    }

    [Fact]
    public void Read_DeliveredMessageOverTheLimits_KeepsOnlyTheHeadersAndDataWithinThem()
    {
        var limits = new EventLimits { MaxEventSize = 1024 };
        var properties = new BasicProperties
        {
            MessageId = "big-1",
            Headers = new Dictionary<string, object?>
            {
                ["cloudEvents_specversion"] = "1.0",
                ["cloudEvents_type"] = "shop.order-placed",
                ["cloudEvents_source"] = "/shop",
                ["cloudEvents_note"] = new byte[limits.MaxAttributeLength + 1],
                ["x-trace"] = "abc",
            },
        };

        var read = EnvelopeMessages.Read(Delivered(properties, new byte[2048]), "q", limits, DateTimeOffset.UnixEpoch, out var error);

        Assert.IsType<EventTooLargeException>(error);
        Assert.Equal(("big-1", 0), (read.EventId, read.Data.Length));
        Assert.Contains("\"x-trace\":\"abc\"", read.Extensions["amqpheaders"], StringComparison.Ordinal);
        Assert.Contains("shop.order-placed", read.Extensions["amqpheaders"], StringComparison.Ordinal);
        Assert.DoesNotContain("cloudEvents_note", read.Extensions["amqpheaders"], StringComparison.Ordinal);
    }

    private static BasicDeliverEventArgs Delivered(BasicProperties properties, byte[] body) =>
        new("consumer", 1, redelivered: false, "herald.imports", "p0", properties, body);
}
