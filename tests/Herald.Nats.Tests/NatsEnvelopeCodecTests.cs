using Herald.Events;
using Herald.Hosting;
using Herald.Nats.Internal;
using NATS.Client.Core;

namespace Herald.Nats.Tests;

/// <summary>The NATS binding's binary mode, without a server: the header block Herald writes, and what it reads.</summary>
public sealed class NatsEnvelopeCodecTests
{
    [Fact]
    public void ToHeaders_FullEnvelope_WritesTheNatsBindingsHeadersInOrder()
    {
        var envelope = new EventEnvelope
        {
            EventId = "e1",
            EventType = "order.created",
            Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Source = "/shop",
            CorrelationId = "e1",
            UserId = "Zoë 42",
            PartitionKey = "order-1",
            Sequence = 7,
            Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        };

        var headers = NatsEnvelopeCodec.ToHeaders(envelope);

        Assert.Equal(
            [
                ("content-type", "application/json"), ("ce-specversion", "1.0"), ("ce-id", "e1"), ("ce-source", "/shop"),
                ("ce-type", "order.created"), ("ce-time", "2026-01-02T03:04:05.0000000Z"), ("ce-eventversion", "1"),
                ("ce-correlationid", "e1"), ("ce-userid", "Zo%C3%AB%2042"), ("ce-partitionkey", "order-1"), ("ce-sequence", "7"),
                ("ce-depth", "0"), ("ce-tenant", "acme"), ("ce-datacontenttype", "application/json"), ("Nats-Msg-Id", "e1"),
            ],
            headers.Select(h => (h.Key, h.Value.ToString())));
    }

    [Fact]
    public void Read_ForeignHeaderBlock_DecodesQuotedAndPercentEncodedValues()
    {
        var headers = new NatsHeaders
        {
            ["CE-SPECVERSION"] = "1.0",
            ["Ce-Id"] = "\"e \\\"1\\\"\"",
            ["ce-Type"] = "order.created",
            ["ce-source"] = "/shop",
            ["ce-userid"] = "Zo%C3%AB",
            ["Content-Type"] = "text/plain",
        };

        var read = NatsEnvelopeCodec.Read(headers, "{}"u8.ToArray(), new EventLimits());

        Assert.Equal(("e \"1\"", "order.created", "Zoë", "text/plain"), (read.EventId, read.EventType, read.UserId, read.DataContentType));
    }

    [Fact]
    public void Read_ValueOverTheLimit_RefusedUndecoded()
    {
        var headers = new NatsHeaders
        {
            ["ce-specversion"] = "1.0",
            ["ce-id"] = "e1",
            ["ce-type"] = "order.created",
            ["ce-source"] = "/shop",
            ["ce-note"] = new string('%', 5000),
        };

        var error = Assert.Throws<EventTooLargeException>(() => NatsEnvelopeCodec.Read(headers, "{}"u8.ToArray(), new EventLimits()));

        Assert.Equal(("order.created", "MaxAttributeLength", "note", 5000L), (error.EventType, error.Limit, error.Attribute, error.Actual));
    }
}
