namespace Herald.Server.Protocol;

/// <summary>Reads and writes whole Kafka frames: <c>[int32 size][header][body]</c>, the header at the version its API
/// and version call for.</summary>
internal static class KafkaFrames
{
    /// <summary>Reads a request header: its API key and version first, then the rest at the header version they call
    /// for. A version Herald does not serve still reads, so that the caller can answer UNSUPPORTED_VERSION.</summary>
    /// <exception cref="KafkaProtocolException">The bytes are not a request header, or Herald does not serve its API, whose
    /// header it cannot tell (Kafka closes the connection then).</exception>
    public static RequestHeader ReadRequestHeader(ref KafkaReader reader)
    {
        var peek = reader;
        var api = (ApiKey)peek.ReadInt16("RequestHeader.RequestApiKey");
        var version = peek.ReadInt16("RequestHeader.RequestApiVersion");
        if (!ApiKeys.TryGetVersions(api, out var versions))
        {
            throw new KafkaProtocolException("RequestHeader.RequestApiKey", $"API key {(short)api} is not one Herald serves");
        }

        return RequestHeader.Read(ref reader, versions.IsFlexible(version) ? (short)2 : (short)1);
    }

    /// <summary>Reads a request frame without its size prefix: header, then body. Bytes and records fields of the body
    /// are slices of <paramref name="frame"/>.</summary>
    /// <exception cref="KafkaProtocolException">The bytes are not a request Herald serves, at a version it serves.</exception>
    public static (RequestHeader Header, IKafkaRequest Body) ReadRequest(ReadOnlyMemory<byte> frame)
    {
        var reader = new KafkaReader(frame);
        var header = ReadRequestHeader(ref reader);
        return (header, ApiKeys.ReadRequest(ref reader, header.ApiKey, header.RequestApiVersion));
    }

    /// <summary>Writes a request frame: size, header (at the version its API and version call for), body.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Herald does not serve the header's API.</exception>
    public static void WriteRequest(KafkaWriter writer, RequestHeader header, IKafkaRequest body)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        var start = writer.BeginSizePrefix();
        header.Write(writer, ApiKeys.RequestHeaderVersion(header.ApiKey, header.RequestApiVersion));
        body.Write(writer, header.RequestApiVersion);
        writer.EndSizePrefix(start);
    }

    /// <summary>Writes a response frame: size, header (at the version <paramref name="api"/> and
    /// <paramref name="version"/> call for), body.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Herald does not serve <paramref name="api"/>.</exception>
    public static void WriteResponse(KafkaWriter writer, ApiKey api, short version, int correlationId, IKafkaResponse body)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(body);
        var start = writer.BeginSizePrefix();
        new ResponseHeader { CorrelationId = correlationId }.Write(writer, ApiKeys.ResponseHeaderVersion(api, version));
        body.Write(writer, version);
        writer.EndSizePrefix(start);
    }

    /// <summary>Reads a response frame without its size prefix, as a client does: header, then body.</summary>
    /// <exception cref="KafkaProtocolException">The bytes are not that response at that version.</exception>
    public static T ReadResponse<T>(ReadOnlyMemory<byte> frame, ApiKey api, short version, out int correlationId)
        where T : IKafkaMessage<T>
    {
        var reader = new KafkaReader(frame);
        correlationId = ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(api, version)).CorrelationId;
        return T.Read(ref reader, version);
    }
}
