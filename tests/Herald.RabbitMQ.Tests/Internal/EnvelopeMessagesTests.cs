using System.Text;
using Herald.Events;
using Herald.RabbitMQ.Internal;
using RabbitMQ.Client;

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

        var read = EnvelopeMessages.Read(delivered, sent.Data);

        Assert.Equal((sent.EventId, sent.PartitionKey, sent.Sequence, sent.Depth), (read.EventId, read.PartitionKey, read.Sequence, read.Depth));
        Assert.Equal("acme", read.Extensions["tenant"]);
        Assert.Equal(sent.Data.ToArray(), read.Data.ToArray());
        Assert.Equal(DeliveryModes.Persistent, properties.DeliveryMode);
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

        var read = EnvelopeMessages.Read(properties, "{}"u8.ToArray());

        Assert.Equal(("e1", "shop.order-placed", "/shop"), (read.EventId, read.EventType, read.Source));
    }

    [Fact]
    public void Read_NotACloudEvent_ThrowsEventFormatException() =>
        Assert.Throws<EventFormatException>(() => EnvelopeMessages.Read(new BasicProperties(), "{}"u8.ToArray()));
}
