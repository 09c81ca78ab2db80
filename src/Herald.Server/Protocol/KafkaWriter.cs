using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Herald.Server.Protocol;

/// <summary>Writes Kafka protocol primitives into a growable buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
/// <remarks>
/// A frame is <c>[int32 size][header][body]</c>: <see cref="BeginSizePrefix"/> reserves the size and
/// <see cref="EndSizePrefix"/> fills it in once the rest is written. As an <see cref="IBufferWriter{T}"/> it also takes
/// record batches encoded in place. <see cref="WrittenMemory"/> is valid until the next write, <see cref="Clear"/> or
/// <see cref="Dispose"/>. Not thread-safe.
/// </remarks>
internal sealed partial class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private byte[] _buffer;
    private int _length;

    /// <summary>Initializes a writer with room for <paramref name="initialCapacity"/> bytes before it grows.</summary>
    public KafkaWriter(int initialCapacity = MinimumCapacity) =>
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumCapacity));

    /// <summary>Gets how many bytes have been written.</summary>
    public int Length => _length;

    /// <summary>Gets the bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Gets the bytes written.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Writes an int8.</summary>
    public void WriteInt8(sbyte value) => Reserve(1)[0] = (byte)value;

    /// <summary>Writes a big-endian int16.</summary>
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(sizeof(short)), value);

    /// <summary>Writes a big-endian int32.</summary>
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(sizeof(int)), value);

    /// <summary>Writes a big-endian int64.</summary>
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(sizeof(long)), value);

    /// <summary>Writes a big-endian uint16.</summary>
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), value);

    /// <summary>Writes a big-endian uint32.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(sizeof(uint)), value);

    /// <summary>Writes a big-endian IEEE 754 float64.</summary>
    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(sizeof(double)), value);

    /// <summary>Writes a boolean as one byte, 1 or 0.</summary>
    public void WriteBoolean(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes a UUID: 16 bytes, most significant first, as Kafka's <c>Uuid</c> does.</summary>
    public void WriteUuid(Guid value) => value.TryWriteBytes(Reserve(16), bigEndian: true, out _);

    /// <summary>Writes a zig-zag varint.</summary>
    public void WriteVarint(int value) => WriteUnsigned((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a zig-zag varlong.</summary>
    public void WriteVarlong(long value) => WriteUnsigned((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes an unsigned varint.</summary>
    public void WriteUnsignedVarint(uint value) => WriteUnsigned(value);

    /// <summary>Writes a string with an int16 length.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteNullableString(value);
    }

    /// <summary>Writes a string with an int16 length, -1 for null.</summary>
    /// <exception cref="ArgumentException">The string takes more than 32,767 bytes in UTF-8.</exception>
    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        if (length > short.MaxValue)
        {
            throw new ArgumentException($"A string of {length} UTF-8 bytes does not fit a Kafka string (at most {short.MaxValue}).", nameof(value));
        }

        WriteInt16((short)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    /// <summary>Writes a compact string (unsigned varint length + 1).</summary>
    public void WriteCompactString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteCompactNullableString(value);
    }

    /// <summary>Writes a compact string (unsigned varint length + 1), 0 for null.</summary>
    public void WriteCompactNullableString(string? value)
    {
        if (value is null)
        {
            WriteUnsigned(0);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteUnsigned((uint)length + 1);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    /// <summary>Writes bytes with an int32 length.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Writes bytes with an int32 length, -1 for null.</summary>
    public void WriteNullableBytes(ReadOnlyMemory<byte>? value)
    {
        if (value is { } bytes)
        {
            WriteBytes(bytes.Span);
        }
        else
        {
            WriteInt32(-1);
        }
    }

    /// <summary>Writes compact bytes (unsigned varint length + 1).</summary>
    public void WriteCompactBytes(ReadOnlySpan<byte> value)
    {
        WriteUnsigned((uint)value.Length + 1);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Writes compact bytes (unsigned varint length + 1), 0 for null.</summary>
    public void WriteCompactNullableBytes(ReadOnlyMemory<byte>? value)
    {
        if (value is { } bytes)
        {
            WriteCompactBytes(bytes.Span);
        }
        else
        {
            WriteUnsigned(0);
        }
    }

    /// <summary>Writes a records field (record batches) as nullable bytes with an int32 length.</summary>
    public void WriteRecords(ReadOnlyMemory<byte>? records) => WriteNullableBytes(records);

    /// <summary>Writes a records field of a flexible version as compact nullable bytes.</summary>
    public void WriteCompactRecords(ReadOnlyMemory<byte>? records) => WriteCompactNullableBytes(records);

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    /// <summary>Returns the buffer to the pool; the writer starts empty if used again.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void WriteUnsigned(ulong value)
    {
        var span = GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _length += i;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _length >= count)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(2L * _buffer.Length, (long)_length + count)));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        var old = _buffer;
        _buffer = grown;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
