using System.Text;
using Herald.Events;
using Herald.Hosting;

namespace Herald.Tests.Events;

/// <summary>Checks how the public reader matches header names per binding and holds messages to <see cref="EventLimits"/>.</summary>
public sealed class CloudEventReaderTests
{
    private static readonly (string Name, string Value)[] Required =
        [("specversion", "1.0"), ("id", "e1"), ("type", "shop.order-placed"), ("source", "/shop")];

    [Fact]
    public void ReadHeader_NatsNamesInAnyCase_ReadAsLowerCaseAttributes()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Nats);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader("Ce-" + char.ToUpperInvariant(name[0]) + name[1..], value);
        }

        reader.ReadHeader("CE-TENANT", "acme");
        reader.ReadHeader("Content-Type", "text/plain");
        reader.ReadHeader("Nats-Msg-Id", "ignored");

        var read = reader.Build(default);

        Assert.Equal(("e1", "shop.order-placed", "text/plain"), (read.EventId, read.EventType, read.DataContentType));
        Assert.Equal(new Dictionary<string, string> { ["tenant"] = "acme" }, read.Extensions);
    }

    [Fact]
    public void ReadHeader_Utf8NatsNameInMixedCase_ReadAsLowerCase()
    {
        var reader = Started(CloudEventsBinding.Nats);

        reader.ReadHeader("Ce-Tenant"u8, "acme"u8);
        reader.ReadHeader("CE-DEPTH"u8, "2"u8);

        var read = reader.Build(default);
        Assert.Equal(("acme", 2), (read.Extensions["tenant"], read.Depth));
    }

    [Fact]
    public void ReadHeader_KafkaNameInOtherCase_IsNotAnAttribute()
    {
        var reader = Started(CloudEventsBinding.Kafka);

        reader.ReadHeader("CE_tenant", "acme");
        reader.ReadHeader("ce-region", "eu");

        Assert.Empty(reader.Build(default).Extensions);
    }

    [Fact]
    public void ReadHeader_AmqpColonPrefix_IsAccepted()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Amqp);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader("cloudEvents:" + name, value);
        }

        Assert.Equal("e1", reader.Build(default).EventId);
    }

    [Fact]
    public void ReadContentType_OverDataContentTypeAttribute_Wins()
    {
        var reader = Started(CloudEventsBinding.Amqp);
        reader.ReadHeader("cloudEvents_datacontenttype", "application/xml");
        reader.ReadHeader("content-type", "text/csv");

        reader.ReadContentType("application/cloudevents-data");

        Assert.Equal("application/cloudevents-data", reader.Build(default).DataContentType);
    }

    [Fact]
    public void ReadHeader_Utf8ValueOverTheLimit_RefusedWithoutDecodingIt()
    {
        var reader = Started(CloudEventsBinding.Kafka, new EventLimits());
        var note = new byte[1024 * 1024];
        var before = GC.GetAllocatedBytesForCurrentThread();

        reader.ReadHeader("ce_note", note);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"Refusing the header allocated {allocated:N0} bytes.");
        EventTooLargeException? error = null;
        try
        {
            reader.Build(default);
        }
        catch (EventTooLargeException e)
        {
            error = e;
        }

        Assert.NotNull(error);
        Assert.Equal(("shop.order-placed", "MaxAttributeLength", "note", 1024L * 1024), (error.EventType, error.Limit, error.Attribute, error.Actual));
    }

    [Fact]
    public void Build_WithFallbackId_KeepsWhatCouldBeRead()
    {
        var limits = new EventLimits { MaxEventSize = 1024 };
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, limits);
        reader.ReadHeader("ce_specversion"u8, "1.0"u8);
        reader.ReadHeader("ce_type"u8, "shop.order-placed"u8);
        reader.ReadHeader("ce_partitionkey"u8, Encoding.UTF8.GetBytes(new string('k', 300)));
        var admitted = reader.AdmitsData(4096);

        var read = reader.Build(ReadOnlyMemory<byte>.Empty, "orders-0@7", out var error);

        Assert.False(admitted);
        Assert.Equal(("orders-0@7", "shop.order-placed", null), (read.EventId, read.EventType, read.PartitionKey));
        var tooLarge = Assert.IsType<EventTooLargeException>(error);
        Assert.Equal(("MaxIdentifierLength", "partitionkey"), (tooLarge.Limit, tooLarge.Attribute));
    }

    [Fact]
    public void Build_WithFallbackIdNotACloudEvent_ReturnsTheFormatError()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka);
        reader.ReadHeader("ce_id", "e9");

        var read = reader.Build(new byte[] { 1 }, "fallback", out var error);

        Assert.IsType<EventFormatException>(error);
        Assert.Equal(("e9", string.Empty, 1), (read.EventId, read.EventType, read.Data.Length));
    }

    [Fact]
    public void Build_Readable_ReturnsNoError()
    {
        var reader = Started(CloudEventsBinding.Kafka);

        var read = reader.Build(default, "fallback", out var error);

        Assert.Null(error);
        Assert.Equal("e1", read.EventId);
    }

    [Fact]
    public void ReadKey_NoPartitionKeyHeader_TheKeyIsThePartitionKey()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, new EventLimits());
        reader.ReadKey("zoë-42"u8);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader(CloudEventsBinding.Kafka.HeaderName(name), value);
        }

        Assert.Equal("zoë-42", reader.Build(default).PartitionKey);
    }

    [Fact]
    public void ReadKey_PartitionKeyHeaderAfterIt_TheHeaderWins()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka);
        reader.ReadKey("from-key"u8);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader(CloudEventsBinding.Kafka.HeaderName(name), value);
        }

        reader.ReadHeader("ce_partitionkey", "from-header");

        Assert.Equal("from-header", reader.Build(default).PartitionKey);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 42 })]
    public void ReadKey_EmptyOrNotUtf8_IgnoredAndTheEventStillReads(byte[] key)
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, new EventLimits());
        reader.ReadKey(key);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader(CloudEventsBinding.Kafka.HeaderName(name), value);
        }

        var read = reader.Build(default, "fallback", out var error);

        Assert.Null(error);
        // Eight bytes of zeros and 42 are valid UTF-8 (control characters): such a key is text, and used.
        Assert.Equal(key.Length == 8 ? Encoding.UTF8.GetString(key) : null, read.PartitionKey);
    }

    [Fact]
    public void ReadKey_LongerThanAnIdentifier_IgnoredNotRefused()
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, new EventLimits { MaxIdentifierLength = 36 });
        reader.ReadKey(Encoding.UTF8.GetBytes(new string('k', 37)));
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader(CloudEventsBinding.Kafka.HeaderName(name), value);
        }

        var read = reader.Build(default, "fallback", out var error);

        Assert.Null(error);
        Assert.Null(read.PartitionKey);
    }

    private static CloudEventReader Started(CloudEventsBinding binding, EventLimits? limits = null)
    {
        var reader = new CloudEventReader(binding, limits);
        foreach (var (name, value) in Required)
        {
            reader.ReadHeader(binding.HeaderName(name), value);
        }

        return reader;
    }
}
