using System.Text;
using Herald.Events;

namespace Herald.Tests.Events;

/// <summary>Pins the header names and text each built-in binding writes: stored records and foreign consumers depend on them.</summary>
public sealed class CloudEventsBindingTests
{
    private static EventEnvelope FullEnvelope() => new()
    {
        EventId = "0193b6f0-8f2a-7cc1-9d2e-3b4f5a6b7c8d",
        EventType = "order.created",
        EventVersion = 3,
        Timestamp = new DateTimeOffset(2026, 11, 27, 10, 16, 28, TimeSpan.FromHours(2)).AddTicks(1_234_567),
        Source = "orders",
        CorrelationId = "corr-1",
        CausationId = "cause-1",
        UserId = "Zoë 42",
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        PartitionKey = "order-17",
        Sequence = 12,
        Depth = 4,
        DataContentType = "application/vnd.shop+json",
        Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        Data = Encoding.UTF8.GetBytes("""{"orderId":"order-17"}"""),
    };

    private static readonly (string Attribute, string Value)[] Attributes =
    [
        ("specversion", "1.0"),
        ("id", "0193b6f0-8f2a-7cc1-9d2e-3b4f5a6b7c8d"),
        ("source", "orders"),
        ("type", "order.created"),
        ("time", "2026-11-27T08:16:28.1234567Z"),
        ("eventversion", "3"),
        ("correlationid", "corr-1"),
        ("causationid", "cause-1"),
        ("userid", "Zoë 42"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ("partitionkey", "order-17"),
        ("sequence", "12"),
        ("depth", "4"),
        ("tenant", "acme"),
    ];

    public static TheoryData<string> Bindings => ["Kafka", "Amqp", "Nats"];

    [Fact]
    public void Write_Kafka_ContentTypeThenCePrefixedAttributes()
    {
        var expected = new List<KeyValuePair<string, string>> { new("content-type", "application/vnd.shop+json") };
        expected.AddRange(Attributes.Select(a => new KeyValuePair<string, string>("ce_" + a.Attribute, a.Value)));

        Assert.Equal(expected, BinaryHeaders.ToHeaders(FullEnvelope(), CloudEventsBinding.Kafka));
    }

    [Fact]
    public void Write_Amqp_CloudEventsPrefixedAttributesWithoutContentType()
    {
        var expected = Attributes.Select(a => new KeyValuePair<string, string>("cloudEvents_" + a.Attribute, a.Value));

        Assert.Equal(expected, BinaryHeaders.ToHeaders(FullEnvelope(), CloudEventsBinding.Amqp));
    }

    [Fact]
    public void Write_Nats_ContentTypeThenAttributesThenDataContentType()
    {
        var expected = new List<KeyValuePair<string, string>> { new("content-type", "application/vnd.shop+json") };
        expected.AddRange(Attributes.Select(a => new KeyValuePair<string, string>("ce-" + a.Attribute, a.Value)));
        expected.Add(new("ce-datacontenttype", "application/vnd.shop+json"));

        Assert.Equal(expected, BinaryHeaders.ToHeaders(FullEnvelope(), CloudEventsBinding.Nats));
    }

    [Theory]
    [MemberData(nameof(Bindings))]
    public void Encode_AnyBinding_WritesTheStringHeadersAsUtf8(string name)
    {
        var binding = Binding(name);
        var encoder = new CloudEventEncoder(binding);
        foreach (var envelope in (EventEnvelope[])[FullEnvelope(), FullEnvelope() with { PartitionKey = null, Sequence = null, Extensions = EventEnvelope.EmptyExtensions }])
        {
            var sink = new ListSink();

            var key = encoder.Encode(envelope, ref sink);

            Assert.Equal(BinaryHeaders.ToHeaders(envelope, binding), sink.Headers);
            Assert.Equal(envelope.PartitionKey, key is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : null);
        }
    }

    [Theory]
    [MemberData(nameof(Bindings))]
    public void Read_AnyBinding_RoundTripsWhatItWrites(string name)
    {
        var binding = Binding(name);
        var sent = FullEnvelope();
        var reader = new CloudEventReader(binding);
        foreach (var (header, value) in BinaryHeaders.ToHeaders(sent, binding))
        {
            reader.ReadHeader(header, value);
        }

        if (binding.ContentTypeHeader is null)
        {
            reader.ReadContentType(sent.DataContentType);
        }

        var read = reader.Build(sent.Data);

        Assert.Equal(sent with { Extensions = read.Extensions }, read);
        Assert.Equal(sent.Extensions, read.Extensions);
    }

    [Fact]
    public void HeaderName_KnownAndExtension_PrefixedAndSharedInstance()
    {
        Assert.Equal(("ce_id", "cloudEvents_tenant", "ce-datacontenttype"),
            (CloudEventsBinding.Kafka.HeaderName("id"), CloudEventsBinding.Amqp.HeaderName("tenant"), CloudEventsBinding.Nats.HeaderName("datacontenttype")));
        // A binding of its own: the shared bindings' name caches are bounded, and other tests may have filled them.
        var binding = new CloudEventsBinding("ce_", "content-type");
        Assert.Same(binding.HeaderName("tenant"), binding.HeaderName("tenant"));
    }

    [Theory]
    [InlineData("", "content-type")]
    [InlineData("çe_", "content-type")]
    [InlineData("ce_", "")]
    public void Constructor_EmptyOrNonAsciiName_Throws(string prefix, string contentType) =>
        Assert.ThrowsAny<ArgumentException>(() => new CloudEventsBinding(prefix, contentType));

    [Fact]
    public void Constructor_OwnPrefix_WritesAndReadsIt()
    {
        var binding = new CloudEventsBinding("x-ce-", "x-content-type");
        var sent = FullEnvelope();
        var headers = BinaryHeaders.ToHeaders(sent, binding);

        var read = BinaryHeaders.Read(headers, sent.Data, binding: binding);

        Assert.All(headers, h => Assert.StartsWith("x-", h.Key, StringComparison.Ordinal));
        Assert.Equal((sent.EventId, sent.DataContentType, "acme"), (read.EventId, read.DataContentType, read.Extensions["tenant"]));
    }

    private static CloudEventsBinding Binding(string name) => name switch
    {
        "Kafka" => CloudEventsBinding.Kafka,
        "Amqp" => CloudEventsBinding.Amqp,
        _ => CloudEventsBinding.Nats,
    };

    private struct ListSink() : ICloudEventHeaderSink
    {
        public List<KeyValuePair<string, string>> Headers { get; } = [];

        public readonly void Add(string name, ReadOnlyMemory<byte> value) => Headers.Add(new(name, Encoding.UTF8.GetString(value.Span)));
    }
}
