using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Extensions;
using CloudNative.CloudEvents.SystemTextJson;
using Herald.Events;

namespace Herald.Tests.Events;

/// <summary>Checks Herald's envelope against the official CloudEvents SDK in both content modes.</summary>
/// <remarks>The SDK's Kafka binding is not a dependency here; its binary-mode rule is reproduced exactly:
/// header <c>ce_</c> + attribute name with the attribute's canonical string form, and <c>datacontenttype</c> as <c>content-type</c>.</remarks>
public sealed class CloudEventMappingTests
{
    private static readonly CloudEventAttribute EventVersion = CloudEventAttribute.CreateExtension("eventversion", CloudEventAttributeType.Integer);
    private static readonly CloudEventAttribute CorrelationId = CloudEventAttribute.CreateExtension("correlationid", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute CausationId = CloudEventAttribute.CreateExtension("causationid", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute UserId = CloudEventAttribute.CreateExtension("userid", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute Depth = CloudEventAttribute.CreateExtension("depth", CloudEventAttributeType.Integer);
    private static readonly CloudEventAttribute TraceParent = CloudEventAttribute.CreateExtension("traceparent", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute Tenant = CloudEventAttribute.CreateExtension("tenant", CloudEventAttributeType.String);

    private static readonly CloudEventAttribute[] Extensions =
    [
        EventVersion, CorrelationId, CausationId, UserId, Depth, Tenant,
        Partitioning.PartitionKeyAttribute, Sequence.SequenceAttribute, TraceParent,
    ];

    private static EventEnvelope FullEnvelope() => new()
    {
        EventId = "0193b6f0-8f2a-7cc1-9d2e-3b4f5a6b7c8d",
        EventType = "order.created",
        EventVersion = 3,
        Timestamp = new DateTimeOffset(2026, 11, 27, 8, 16, 28, 123, TimeSpan.Zero).AddTicks(4567),
        Source = "orders",
        CorrelationId = "corr-1",
        CausationId = "cause-1",
        UserId = "user-42",
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        PartitionKey = "order-17",
        Sequence = 12,
        Depth = 4,
        Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        Data = Encoding.UTF8.GetBytes("""{"orderId":"order-17","total":12.5}"""),
    };

    [Fact]
    public void StructuredJson_ParsedBySdkFormatter_CarriesEveryAttribute()
    {
        var envelope = FullEnvelope();

        var cloudEvent = new JsonEventFormatter().DecodeStructuredModeMessage(CloudEventJson.ToUtf8Bytes(envelope), null, Extensions);

        AssertMatches(envelope, cloudEvent);
        var data = Assert.IsType<JsonElement>(cloudEvent.Data);
        Assert.Equal("order-17", data.GetProperty("orderId").GetString());
    }

    [Fact]
    public void StructuredJson_WrittenBySdkFormatter_ReadsBackEveryAttribute()
    {
        var expected = FullEnvelope();
        var cloudEvent = ToSdk(expected);
        cloudEvent.Data = JsonDocument.Parse(expected.Data).RootElement;

        var bytes = new JsonEventFormatter().EncodeStructuredModeMessage(cloudEvent, out _);
        var envelope = CloudEventJson.Read(bytes);

        AssertEquivalent(expected, envelope);
        Assert.Equal(JsonDocument.Parse(expected.Data).RootElement.GetRawText(), JsonDocument.Parse(envelope.Data).RootElement.GetRawText());
    }

    [Fact]
    public void BinaryHeaders_ReadAsKafkaBindingDoes_CarryEveryAttribute()
    {
        var envelope = FullEnvelope();
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, Extensions);

        foreach (var (name, value) in BinaryHeaders.ToHeaders(envelope))
        {
            if (name == "content-type")
            {
                cloudEvent.DataContentType = value;
                continue;
            }

            Assert.StartsWith("ce_", name, StringComparison.Ordinal);
            var attributeName = name["ce_".Length..];
            if (attributeName == "specversion")
            {
                Assert.Equal("1.0", value);
                continue;
            }

            var attribute = cloudEvent.GetAttribute(attributeName) ?? CloudEventAttribute.CreateExtension(attributeName, CloudEventAttributeType.String);
            cloudEvent[attribute] = attribute.Parse(value);
        }

        AssertMatches(envelope, cloudEvent);
    }

    [Fact]
    public void BinaryHeaders_WrittenAsKafkaBindingDoes_ReadBackEveryAttribute()
    {
        var expected = FullEnvelope();
        var cloudEvent = ToSdk(expected);
        var headers = new List<KeyValuePair<string, string>> { new("ce_specversion", cloudEvent.SpecVersion.VersionId) };
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            var name = attribute == cloudEvent.SpecVersion.DataContentTypeAttribute ? "content-type" : "ce_" + attribute.Name;
            headers.Add(new(name, attribute.Format(value)));
        }

        var envelope = BinaryHeaders.Read(headers, expected.Data);

        AssertEquivalent(expected, envelope);
        Assert.Equal(expected.Data.ToArray(), envelope.Data.ToArray());
    }

    [Fact]
    public void BinaryHeaders_OptionalAttributesUnset_AreNotWritten()
    {
        var envelope = FullEnvelope() with { CausationId = null, UserId = null, TraceParent = null, PartitionKey = null, Sequence = null, Extensions = new Dictionary<string, string>() };

        var names = BinaryHeaders.ToHeaders(envelope).Select(h => h.Key).ToList();

        Assert.Equal(
            ["content-type", "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_eventversion", "ce_correlationid", "ce_depth"],
            names);
    }

    [Fact]
    public void Read_MissingRequiredAttribute_NamesIt()
    {
        var headers = BinaryHeaders.ToHeaders(FullEnvelope()).Where(h => h.Key != "ce_source").ToList();

        var error = Assert.Throws<EventFormatException>(() => BinaryHeaders.Read(headers, default));

        Assert.Contains("'source'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedInteger_NamesAttributeAndValue()
    {
        var headers = BinaryHeaders.ToHeaders(FullEnvelope()).Select(h => h.Key == "ce_depth" ? new KeyValuePair<string, string>("ce_depth", "deep") : h).ToList();

        var error = Assert.Throws<EventFormatException>(() => BinaryHeaders.Read(headers, default));

        Assert.Contains("'depth'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'deep'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OtherSpecVersion_IsRefused()
    {
        var headers = BinaryHeaders.ToHeaders(FullEnvelope()).Select(h => h.Key == "ce_specversion" ? new KeyValuePair<string, string>(h.Key, "0.3") : h).ToList();

        var error = Assert.Throws<EventFormatException>(() => BinaryHeaders.Read(headers, default));

        Assert.Contains("0.3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StructuredJson_NotJson_FailsWithFormatError()
    {
        Assert.Throws<EventFormatException>(() => CloudEventJson.Read("{not json"u8.ToArray()));
    }

    [Fact]
    public void StructuredJson_BinaryData_TravelsAsBase64()
    {
        var envelope = FullEnvelope() with { DataContentType = "application/octet-stream", Data = new byte[] { 0, 1, 2, 255 } };

        var json = CloudEventJson.ToUtf8Bytes(envelope);
        var read = CloudEventJson.Read(json);

        Assert.Contains("data_base64", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(envelope.Data.ToArray(), read.Data.ToArray());
    }

    private static CloudEvent ToSdk(EventEnvelope envelope)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, Extensions)
        {
            Id = envelope.EventId,
            Type = envelope.EventType,
            Source = new Uri(envelope.Source, UriKind.RelativeOrAbsolute),
            Time = envelope.Timestamp,
            DataContentType = envelope.DataContentType,
        };
        cloudEvent[EventVersion] = envelope.EventVersion;
        cloudEvent[CorrelationId] = envelope.CorrelationId;
        cloudEvent[CausationId] = envelope.CausationId;
        cloudEvent[UserId] = envelope.UserId;
        cloudEvent[Depth] = envelope.Depth;
        cloudEvent[Tenant] = envelope.Extensions["tenant"];
        cloudEvent.SetPartitionKey(envelope.PartitionKey);
        cloudEvent[Sequence.SequenceAttribute] = envelope.Sequence!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        cloudEvent[TraceParent] = envelope.TraceParent;
        return cloudEvent;
    }

    private static void AssertMatches(EventEnvelope envelope, CloudEvent cloudEvent)
    {
        Assert.True(cloudEvent.IsValid);
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal(envelope.EventId, cloudEvent.Id);
        Assert.Equal(envelope.EventType, cloudEvent.Type);
        Assert.Equal(envelope.Source, cloudEvent.Source!.OriginalString);
        Assert.Equal(envelope.Timestamp, cloudEvent.Time);
        Assert.Equal(envelope.DataContentType, cloudEvent.DataContentType);
        Assert.Equal(envelope.EventVersion, cloudEvent[EventVersion]);
        Assert.Equal(envelope.CorrelationId, cloudEvent[CorrelationId]);
        Assert.Equal(envelope.CausationId, cloudEvent[CausationId]);
        Assert.Equal(envelope.UserId, cloudEvent[UserId]);
        Assert.Equal(envelope.Depth, cloudEvent[Depth]);
        Assert.Equal(envelope.PartitionKey, cloudEvent[Partitioning.PartitionKeyAttribute]);
        Assert.Equal(envelope.Sequence?.ToString(System.Globalization.CultureInfo.InvariantCulture), cloudEvent[Sequence.SequenceAttribute]);
        Assert.Equal(envelope.TraceParent, cloudEvent[TraceParent]);
        Assert.Equal("acme", cloudEvent[Tenant]);
    }

    private static void AssertEquivalent(EventEnvelope expected, EventEnvelope actual)
    {
        Assert.Equal(expected.Extensions.OrderBy(e => e.Key), actual.Extensions.OrderBy(e => e.Key));
        Assert.Equal(expected with { Data = default, Extensions = NoExtensions }, actual with { Data = default, Extensions = NoExtensions });
    }

    private static readonly IReadOnlyDictionary<string, string> NoExtensions = new Dictionary<string, string>();
}
