using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Herald.Server.Protocol;

/// <summary>Reads Kafka protocol primitives from a frame in memory, checking every length and count against the bytes
/// left before it allocates anything.</summary>
/// <remarks>
/// A struct passed by <c>ref</c>; a copy reads on by itself, which makes a look-ahead a copy. Bytes and records come
/// back as slices of the frame, not copies: they are valid as long as the frame's memory is. Each method takes the name
/// of the field it reads, for the <see cref="KafkaProtocolException"/> it throws; no other exception comes out,
/// whatever the bytes.
/// </remarks>
internal partial struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private int _position;

    /// <summary>Initializes a reader at the start of <paramref name="buffer"/>.</summary>
    public KafkaReader(ReadOnlyMemory<byte> buffer) => _buffer = buffer;

    /// <summary>Gets how many bytes have been read.</summary>
    public readonly int Position => _position;

    /// <summary>Gets how many bytes are left.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Reads an int8.</summary>
    public sbyte ReadInt8(string field) => (sbyte)Take(field, 1)[0];

    /// <summary>Reads a big-endian int16.</summary>
    public short ReadInt16(string field) => BinaryPrimitives.ReadInt16BigEndian(Take(field, sizeof(short)));

    /// <summary>Reads a big-endian int32.</summary>
    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32BigEndian(Take(field, sizeof(int)));

    /// <summary>Reads a big-endian int64.</summary>
    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(field, sizeof(long)));

    /// <summary>Reads a big-endian uint16.</summary>
    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(field, sizeof(ushort)));

    /// <summary>Reads a big-endian uint32.</summary>
    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(field, sizeof(uint)));

    /// <summary>Reads a big-endian IEEE 754 float64.</summary>
    public double ReadFloat64(string field) => BinaryPrimitives.ReadDoubleBigEndian(Take(field, sizeof(double)));

    /// <summary>Reads a boolean: one byte, any value but 0 is true (as Kafka reads it).</summary>
    public bool ReadBoolean(string field) => Take(field, 1)[0] != 0;

    /// <summary>Reads a UUID: 16 bytes, most significant first, as Kafka's <c>Uuid</c> writes them.</summary>
    public Guid ReadUuid(string field) => new(Take(field, 16), bigEndian: true);

    /// <summary>Reads a zig-zag varint of 1 to 5 bytes.</summary>
    public int ReadVarint(string field)
    {
        var zigZag = (uint)ReadUnsigned(field, 5);
        return (int)(zigZag >> 1) ^ -(int)(zigZag & 1);
    }

    /// <summary>Reads a zig-zag varlong of 1 to 10 bytes.</summary>
    public long ReadVarlong(string field)
    {
        var zigZag = ReadUnsigned(field, 10);
        return (long)(zigZag >> 1) ^ -(long)(zigZag & 1);
    }

    /// <summary>Reads an unsigned varint of 1 to 5 bytes.</summary>
    public uint ReadUnsignedVarint(string field) => (uint)ReadUnsigned(field, 5);

    /// <summary>Reads a string with an int16 length; a null (length -1) throws.</summary>
    public string ReadString(string field) => ReadNullableString(field) ?? throw NullNotAllowed(field, "string");

    /// <summary>Reads a string with an int16 length, -1 for null.</summary>
    public string? ReadNullableString(string field)
    {
        var length = ReadInt16(field);
        return length == -1 ? null : Decode(field, length);
    }

    /// <summary>Reads a compact string (unsigned varint length + 1); a null (0) throws.</summary>
    public string ReadCompactString(string field) => ReadCompactNullableString(field) ?? throw NullNotAllowed(field, "string");

    /// <summary>Reads a compact string (unsigned varint length + 1), 0 for null.</summary>
    public string? ReadCompactNullableString(string field)
    {
        var length = ReadCompactLength(field);
        return length == -1 ? null : Decode(field, length);
    }

    /// <summary>Reads bytes with an int32 length; a null (length -1) throws. The result is a slice of the frame.</summary>
    public ReadOnlyMemory<byte> ReadBytes(string field) => ReadNullableBytes(field) ?? throw NullNotAllowed(field, "bytes");

    /// <summary>Reads bytes with an int32 length, -1 for null. The result is a slice of the frame.</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes(string field)
    {
        // Not "length == -1 ? null : Slice(...)": null converts to ReadOnlyMemory<byte> through byte[], as an empty one.
        var length = ReadInt32(field);
        return length == -1 ? default(ReadOnlyMemory<byte>?) : Slice(field, length, "bytes");
    }

    /// <summary>Reads compact bytes (unsigned varint length + 1); a null (0) throws. The result is a slice of the frame.</summary>
    public ReadOnlyMemory<byte> ReadCompactBytes(string field) => ReadCompactNullableBytes(field) ?? throw NullNotAllowed(field, "bytes");

    /// <summary>Reads compact bytes (unsigned varint length + 1), 0 for null. The result is a slice of the frame.</summary>
    public ReadOnlyMemory<byte>? ReadCompactNullableBytes(string field)
    {
        var length = ReadCompactLength(field);
        return length == -1 ? default(ReadOnlyMemory<byte>?) : Slice(field, length, "bytes");
    }

    /// <summary>Reads a records field (record batches, as nullable bytes with an int32 length) as a slice of the frame.</summary>
    public ReadOnlyMemory<byte>? ReadRecords(string field) => ReadNullableBytes(field);

    /// <summary>Reads a records field of a flexible version (compact nullable bytes) as a slice of the frame.</summary>
    public ReadOnlyMemory<byte>? ReadCompactRecords(string field) => ReadCompactNullableBytes(field);

    /// <summary>Returns the exception for a message read at a version the codec does not have.</summary>
    public static KafkaProtocolException UnsupportedVersion(string message, short version, short min, short max) =>
        new(message, $"version {version} is not one Herald reads ({min}-{max})");

    private static KafkaProtocolException NullNotAllowed(string field, string type) =>
        new(field, $"{type} is null, which the field does not allow");

    private ReadOnlySpan<byte> Take(string field, int count)
    {
        if (count > Remaining)
        {
            throw new KafkaProtocolException(field, $"needs {count} bytes, {Remaining} left");
        }

        var span = _buffer.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    private ReadOnlyMemory<byte> Slice(string field, long length, string type)
    {
        if (length < 0)
        {
            throw new KafkaProtocolException(field, $"negative {type} length {length}");
        }

        if (length > Remaining)
        {
            throw new KafkaProtocolException(field, $"{type} length {length} exceeds the {Remaining} bytes left");
        }

        var slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    private string Decode(string field, long length)
    {
        var bytes = Slice(field, length, "string").Span;
        if (!Utf8.IsValid(bytes))
        {
            throw new KafkaProtocolException(field, $"string of {bytes.Length} bytes is not valid UTF-8");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Reads a compact length: -1 for null, otherwise the unsigned varint less one (not yet checked against the bytes left).</summary>
    private long ReadCompactLength(string field) => (long)ReadUnsignedVarint(field) - 1;

    /// <summary>Reads an unsigned LEB128 value of at most <paramref name="maxBytes"/> bytes (5 for 32 bits, 10 for 64),
    /// rejecting a longer one and a last byte with bits beyond the type's width, which Kafka's reader would drop.</summary>
    private ulong ReadUnsigned(string field, int maxBytes)
    {
        var span = _buffer.Span[_position..];
        ulong value = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            if (i == span.Length)
            {
                throw new KafkaProtocolException(field, $"varint ends after {i} bytes, at the end of the data");
            }

            var b = span[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) != 0)
            {
                continue;
            }

            if (i == maxBytes - 1 && b > (maxBytes == 5 ? 0x0F : 0x01))
            {
                throw new KafkaProtocolException(field, $"varint overflows {(maxBytes == 5 ? 32 : 64)} bits");
            }

            _position += i + 1;
            return value;
        }

        throw new KafkaProtocolException(field, $"varint is longer than {maxBytes} bytes");
    }
}
