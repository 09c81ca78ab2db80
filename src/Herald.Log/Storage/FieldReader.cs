using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Herald.Log.Storage;

/// <summary>Reads a batch's record fields in order, throwing <see cref="InvalidDataException"/> that names the field and byte when they are malformed.</summary>
internal ref struct FieldReader
{
    private readonly ReadOnlySpan<byte> _source;

    /// <summary>Creates a reader over <paramref name="source"/> starting at <paramref name="position"/>.</summary>
    public FieldReader(ReadOnlySpan<byte> source, int position)
    {
        _source = source;
        Position = position;
    }

    /// <summary>Gets the position of the next byte to read.</summary>
    public int Position { get; private set; }

    /// <summary>Gets how many bytes are left.</summary>
    public readonly int Remaining => _source.Length - Position;

    /// <summary>Returns the bytes from <paramref name="start"/> to the current position.</summary>
    public readonly ReadOnlySpan<byte> Since(int start) => _source[start..Position];

    /// <summary>Skips one byte.</summary>
    public void SkipByte(string field)
    {
        if (Remaining <= 0)
        {
            ThrowMalformed(field, "is missing: the bytes end first");
        }

        Position++;
    }

    /// <summary>Reads a 32-bit varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadVarint32(string field)
    {
        // Lengths, deltas and counts below 64 take one byte; decode those inline and leave the loop to the rest.
        if ((uint)Position < (uint)_source.Length && _source[Position] < 0x80)
        {
            var zigZag = (int)_source[Position++];
            return (zigZag >> 1) ^ -(zigZag & 1);
        }

        return ReadVarint32Slow(field);
    }

    /// <summary>Reads a 64-bit varint.</summary>
    public long ReadVarint64(string field)
    {
        var status = Varint.ReadInt64(_source[Position..], out var value, out var consumed);
        if (status != OperationStatus.Done)
        {
            ThrowMalformedVarint(field, status);
        }

        Position += consumed;
        return value;
    }

    /// <summary>Reads a varint length (-1 for null) and that many bytes; a null reads as empty with <paramref name="isNull"/> set.</summary>
    public ReadOnlySpan<byte> ReadNullableBytes(string field, out bool isNull)
    {
        var length = ReadVarint32(field);
        isNull = length == -1;
        if ((uint)length > (uint)Remaining)
        {
            if (isNull)
            {
                return [];
            }

            ThrowMalformed(field, $"has length {length}, but {Remaining} bytes are left");
        }

        var bytes = _source.Slice(Position, length);
        Position += length;
        return bytes;
    }

    /// <summary>Throws the exception for a malformed <paramref name="field"/> at the current position.</summary>
    [DoesNotReturn]
    public readonly void ThrowMalformed(string field, string problem) =>
        throw new InvalidDataException($"Malformed record batch: {field} at byte {Position} {problem}.");

    private int ReadVarint32Slow(string field)
    {
        var status = Varint.ReadInt32(_source[Position..], out var value, out var consumed);
        if (status != OperationStatus.Done)
        {
            ThrowMalformedVarint(field, status);
        }

        Position += consumed;
        return value;
    }

    [DoesNotReturn]
    private readonly void ThrowMalformedVarint(string field, OperationStatus status) =>
        ThrowMalformed(field, status == OperationStatus.NeedMoreData ? "is a truncated varint" : "is an over-long varint");
}
