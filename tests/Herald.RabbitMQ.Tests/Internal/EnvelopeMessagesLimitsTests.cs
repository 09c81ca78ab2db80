using Herald.Events;
using Herald.Hosting;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Tests.Internal;

/// <summary>Messages over <see cref="EventLimits"/> are refused before their oversized parts are decoded or copied.</summary>
public sealed class EnvelopeMessagesLimitsTests
{
    [Fact]
    public void Read_MegabyteHeaderAsBytes_RefusedWithoutDecodingIt()
    {
        var properties = Message(("cloudEvents:note", new byte[1024 * 1024]));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<EventTooLargeException>(() => TestSupport.Read(properties, "{}"u8.ToArray(), new EventLimits()));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(("shop.order-placed", "MaxAttributeLength", "note", 1024L * 1024), (error.EventType, error.Limit, error.Attribute, error.Actual));
        Assert.True(allocated < 256 * 1024, $"Refusing the header allocated {allocated:N0} bytes.");
    }

    [Fact]
    public void Read_LongIdentifierAsBytes_RefusedUnderMaxIdentifierLength()
    {
        var properties = Message(("cloudEvents_partitionkey", new byte[5000]));

        var error = Assert.Throws<EventTooLargeException>(() => TestSupport.Read(properties, "{}"u8.ToArray(), new EventLimits()));

        Assert.Equal(("MaxIdentifierLength", "partitionkey", 256L), (error.Limit, error.Attribute, error.Maximum));
    }

    [Fact]
    public void Read_BodyOverMaxEventSize_RefusedNamingTheType()
    {
        var error = Assert.Throws<EventTooLargeException>(() => TestSupport.Read(Message(), new byte[2048], new EventLimits { MaxEventSize = 1024 }));

        Assert.Equal("Event 'shop.order-placed' is too large: data of 2,048 bytes exceeds MaxEventSize 1,024; the data was not kept. "
            + "Raise HeraldOptions.Limits.MaxEventSize on producers and consumers alike if such events are intended.", error.Message);
    }

    [Fact]
    public void Read_WithinTheLimits_ReadsTheEnvelope()
    {
        var read = TestSupport.Read(Message(("cloudEvents_tenant", "acme"u8.ToArray())), new byte[1024], new EventLimits { MaxEventSize = 1024, MaxExtensions = 1 });

        Assert.Equal(("e1", "acme", 1024), (read.EventId, read.Extensions["tenant"], read.Data.Length));
    }

    private static BasicProperties Message(params (string Name, byte[] Value)[] extra)
    {
        var headers = new Dictionary<string, object?>
        {
            ["cloudEvents_specversion"] = "1.0"u8.ToArray(),
            ["cloudEvents_id"] = "e1"u8.ToArray(),
            ["cloudEvents_type"] = "shop.order-placed"u8.ToArray(),
            ["cloudEvents_source"] = "/shop"u8.ToArray(),
        };
        foreach (var (name, value) in extra)
        {
            headers[name] = value;
        }

        return new BasicProperties { ContentType = "application/json", Headers = headers };
    }
}
