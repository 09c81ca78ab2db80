using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

/// <summary>Whole frames against bytes written by hand from the Kafka protocol guide, so the codecs agree with Kafka and
/// not only with themselves.</summary>
public sealed class KafkaFramesTests
{
    public static TheoryData<string, short> RequestVersions =>
        [.. MessageSamples.All.Where(m => m.Kind == "request").SelectMany(m => m.Versions.Select(v => (m.Name, v)))];

    [Fact]
    public void WriteRequest_ApiVersionsV3_WritesHeaderV2WithAnInt16ClientIdAndCompactBody()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x24, // size 36
            0x00, 0x12, 0x00, 0x03, // ApiVersions (18) v3
            0x00, 0x00, 0x00, 0x01, // correlation id 1
            0x00, 0x07, 0x72, 0x64, 0x6B, 0x61, 0x66, 0x6B, 0x61, // client id "rdkafka": int16 length even in header v2
            0x00, // header tagged fields: none
            0x0B, 0x6C, 0x69, 0x62, 0x72, 0x64, 0x6B, 0x61, 0x66, 0x6B, 0x61, // "librdkafka", compact: length 10 + 1
            0x06, 0x32, 0x2E, 0x33, 0x2E, 0x30, // "2.3.0", compact
            0x00, // body tagged fields: none
        ];
        var header = new RequestHeader { RequestApiKey = 18, RequestApiVersion = 3, CorrelationId = 1, ClientId = "rdkafka" };
        var body = new ApiVersionsRequest { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.3.0" };

        Assert.Equal(expected, WriteRequest(header, body));
        var (readHeader, readBody) = KafkaFrames.ReadRequest(expected.AsMemory(4));
        Assert.Equal((ApiKey.ApiVersions, (short)3, 1, "rdkafka"), (readHeader.ApiKey, readHeader.RequestApiVersion, readHeader.CorrelationId, readHeader.ClientId));
        var request = Assert.IsType<ApiVersionsRequest>(readBody);
        Assert.Equal(("librdkafka", "2.3.0"), (request.ClientSoftwareName, request.ClientSoftwareVersion));
    }

    [Fact]
    public void WriteRequest_MetadataV1_WritesHeaderV1AndInt32Arrays()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x1A, // size 26
            0x00, 0x03, 0x00, 0x01, // Metadata (3) v1
            0x00, 0x00, 0x00, 0x07, // correlation id 7
            0x00, 0x04, 0x6B, 0x63, 0x61, 0x74, // client id "kcat"; header v1 has no tagged fields
            0x00, 0x00, 0x00, 0x01, // one topic
            0x00, 0x06, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x73, // "orders"
        ];
        var header = new RequestHeader { RequestApiKey = 3, RequestApiVersion = 1, CorrelationId = 7, ClientId = "kcat" };
        var body = new MetadataRequest { Topics = [new() { Name = "orders" }] };

        Assert.Equal(expected, WriteRequest(header, body));
        var request = Assert.IsType<MetadataRequest>(KafkaFrames.ReadRequest(expected.AsMemory(4)).Body);
        Assert.Equal("orders", Assert.Single(request.Topics!).Name);
    }

    [Fact]
    public void ReadRequest_MetadataV1WithNullTopics_ReadsAllTopics()
    {
        byte[] frame = [0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        var (header, body) = KafkaFrames.ReadRequest(frame);

        Assert.Null(header.ClientId);
        Assert.Null(Assert.IsType<MetadataRequest>(body).Topics);
    }

    [Fact]
    public void WriteRequest_ProduceV3_WritesRecordsAsInt32LengthBytes()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x29, // size 41
            0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x63, // Produce (0) v3, correlation id 2, client "c"
            0xFF, 0xFF, // transactional id null
            0xFF, 0xFF, // acks -1
            0x00, 0x00, 0x03, 0xE8, // timeout 1000 ms
            0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, // one topic, "t"
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // one partition, index 0
            0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03, // records: 3 bytes
        ];
        var header = new RequestHeader { RequestApiKey = 0, RequestApiVersion = 3, CorrelationId = 2, ClientId = "c" };
        var body = new ProduceRequest
        {
            TransactionalId = null,
            Acks = -1,
            TimeoutMs = 1000,
            TopicData = [new() { Name = "t", PartitionData = [new() { Index = 0, Records = new byte[] { 1, 2, 3 } }] }],
        };

        Assert.Equal(expected, WriteRequest(header, body));
        var request = Assert.IsType<ProduceRequest>(KafkaFrames.ReadRequest(expected.AsMemory(4)).Body);
        Assert.Equal([1, 2, 3], request.TopicData[0].PartitionData[0].Records!.Value.ToArray());
    }

    [Fact]
    public void WriteResponse_ApiVersionsV3_WritesHeaderV0AndTaggedFields()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x1D, // size 29
            0x00, 0x00, 0x00, 0x01, // correlation id 1; header v0 (no tagged fields) although v3 is flexible
            0x00, 0x00, // no error
            0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, // one API: 18, versions 0-3, no tagged fields
            0x00, 0x00, 0x00, 0x00, // throttle 0
            0x01, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, // one tagged field: 1, 8 bytes, epoch 5
        ];
        var body = new ApiVersionsResponse { ApiKeys = [new() { ApiKey = 18, MinVersion = 0, MaxVersion = 3 }], FinalizedFeaturesEpoch = 5 };

        Assert.Equal(expected, WriteResponse(ApiKey.ApiVersions, 3, 1, body));
        var response = KafkaFrames.ReadResponse<ApiVersionsResponse>(expected.AsMemory(4), ApiKey.ApiVersions, 3, out var correlationId);
        Assert.Equal((1, 5L, false), (correlationId, response.FinalizedFeaturesEpoch, response.ZkMigrationReady));
    }

    [Fact]
    public void WriteResponse_ProduceV9_WritesHeaderV1AndCompactBody()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x30, // size 48
            0x00, 0x00, 0x00, 0x05, 0x00, // correlation id 5, header tagged fields: none
            0x02, 0x02, 0x74, // one topic, "t"
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // one partition: index 0, no error
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, // base offset 42
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // log append time -1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // log start offset 0
            0x01, 0x00, 0x00, // record errors: empty; error message: null; partition tagged fields
            0x00, // topic tagged fields
            0x00, 0x00, 0x00, 0x00, 0x00, // throttle 0, tagged fields
        ];
        var body = new ProduceResponse
        {
            Responses = [new() { Name = "t", PartitionResponses = [new() { BaseOffset = 42, LogStartOffset = 0 }] }],
        };

        Assert.Equal(expected, WriteResponse(ApiKey.Produce, 9, 5, body));
    }

    [Fact]
    public void ReadRequest_FlexibleRequestWithUnknownTags_SkipsThemAndReadsTheKnownOne()
    {
        byte[] frame =
        [
            0x00, 0x01, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xFF, // Fetch (1) v12, correlation id 9, client id null
            0x01, 0x05, 0x01, 0xAA, // header tagged fields: tag 5, one byte
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0xF4, 0x00, 0x00, 0x00, 0x01, // replica -1, max wait 500, min bytes 1
            0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, // max bytes, isolation 0, session 0, epoch -1
            0x01, 0x01, 0x01, // no topics, no forgotten topics, rack id ""
            0x02, 0x09, 0x02, 0x00, 0x00, 0x00, 0x02, 0x02, 0x6B, // tagged: tag 9 (unknown), 2 bytes; tag 0 (cluster id) "k"
        ];

        var (header, body) = KafkaFrames.ReadRequest(frame);

        Assert.Equal(9, header.CorrelationId);
        var fetch = Assert.IsType<FetchRequest>(body);
        Assert.Equal(("k", 500, int.MaxValue, -1), (fetch.ClusterId, fetch.MaxWaitMs, fetch.MaxBytes, fetch.SessionEpoch));
    }

    [Fact]
    public void ReadRequestHeader_VersionAboveTheHighest_ReadsTheHeaderSoTheBrokerCanAnswer()
    {
        byte[] frame = [0x00, 0x12, 0x00, 0x63, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x78, 0x00, 0x00];
        var reader = new KafkaReader(frame);

        var header = KafkaFrames.ReadRequestHeader(ref reader);
        var error = Assert.Throws<KafkaProtocolException>(() => ApiKeys.ReadRequest(ref reader, header.ApiKey, header.RequestApiVersion));

        Assert.Equal((ApiKey.ApiVersions, (short)99, 4, "x"), (header.ApiKey, header.RequestApiVersion, header.CorrelationId, header.ClientId));
        Assert.Equal(1, reader.Remaining);
        Assert.Equal("ApiVersionsRequest: version 99 is not one Herald reads (0-3)", error.Message);
    }

    [Fact]
    public void ReadRequest_ApiHeraldDoesNotServe_ThrowsNamingTheApiKey()
    {
        byte[] frame = [0x00, 0x15, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF];

        var error = Assert.Throws<KafkaProtocolException>(() => KafkaFrames.ReadRequest(frame));

        Assert.Equal("RequestHeader.RequestApiKey: API key 21 is not one Herald serves", error.Message);
    }

    [Fact]
    public void ReadRequest_HostileStringLength_NamesTheFieldAndTheBytesLeft()
    {
        byte[] frame =
        [
            0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0x00, // Produce (0) v9, header v2
            0x00, 0xFF, 0xFF, 0x00, 0x00, 0x03, 0xE8, // transactional id null, acks -1, timeout 1000
            0x02, 0xF1, 0xA2, 0x04, // one topic, whose name claims 70000 bytes (70001 = F1 A2 04)
            0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, // 12 bytes left
        ];

        var error = Assert.Throws<KafkaProtocolException>(() => KafkaFrames.ReadRequest(frame));

        Assert.Equal("ProduceRequest.TopicData[0].Name: string length 70000 exceeds the 12 bytes left", error.Message);
    }

    [Theory]
    [MemberData(nameof(RequestVersions))]
    public void ReadRequest_FrameOfEveryRequest_ReadsWhatWasWritten(string name, short version)
    {
        var message = MessageSamples.All.Single(m => m.Name == name);
        var body = message.Sample(new SampleSource(version), version);
        var header = new RequestHeader { RequestApiKey = (short)message.Api!, RequestApiVersion = version, CorrelationId = 3, ClientId = "client" };

        var frame = WriteRequest(header, (IKafkaRequest)body);
        var (readHeader, readBody) = KafkaFrames.ReadRequest(frame.AsMemory(4));

        Assert.Equal(frame.Length - 4, (frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]);
        MessageAssert.Equal(header, readHeader, "RequestHeader");
        MessageAssert.Equal(body, readBody, name);
    }

    private static byte[] WriteRequest(RequestHeader header, IKafkaRequest body)
    {
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, header, body);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] WriteResponse(ApiKey api, short version, int correlationId, IKafkaResponse body)
    {
        using var writer = new KafkaWriter();
        KafkaFrames.WriteResponse(writer, api, version, correlationId, body);
        return writer.WrittenSpan.ToArray();
    }
}
