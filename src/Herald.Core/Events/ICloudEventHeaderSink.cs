namespace Herald.Events;

/// <summary>Receives the headers <see cref="CloudEventEncoder"/> writes, as names and UTF-8 values.</summary>
/// <remarks>Implement it on a struct: <see cref="CloudEventEncoder.Encode{TSink}(EventEnvelope, ref TSink)"/> is generic over
/// the sink, so its calls are direct.</remarks>
public interface ICloudEventHeaderSink
{
    /// <summary>Receives one header.</summary>
    /// <param name="name">The header's name; the same instance for the same name, so it can be compared by reference.</param>
    /// <param name="value">The value's UTF-8 bytes, in the encoder's buffers: valid until the encoder's next
    /// <see cref="CloudEventEncoder.Encode{TSink}(EventEnvelope, ref TSink)"/>, so copy what must outlive it.</param>
    void Add(string name, ReadOnlyMemory<byte> value);
}
