using System.Buffers.Binary;
using System.Numerics;

namespace Herald.Server.Protocol;

/// <content>Arrays, the size prefix, tagged fields, and the exceptions of generated writers.</content>
internal sealed partial class KafkaWriter
{
    /// <summary>Writes an array's int32 element count, -1 for null.</summary>
    public void WriteArrayLength(int count) => WriteInt32(count);

    /// <summary>Writes a compact array's element count (unsigned varint count + 1), 0 for null (-1).</summary>
    public void WriteCompactArrayLength(int count) => WriteUnsigned((uint)(count + 1));

    /// <summary>Writes an array: its count, then each element with <paramref name="write"/>.</summary>
    public void WriteArray<T>(List<T> items, bool compact, short version, ElementWriter<T> write)
    {
        ArgumentNullException.ThrowIfNull(items);
        WriteNullableArray(items, compact, version, write);
    }

    /// <summary>Writes an array, or null: its count, then each element with <paramref name="write"/>.</summary>
    public void WriteNullableArray<T>(List<T>? items, bool compact, short version, ElementWriter<T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var count = items?.Count ?? -1;
        if (compact)
        {
            WriteCompactArrayLength(count);
        }
        else
        {
            WriteArrayLength(count);
        }

        for (var i = 0; i < count; i++)
        {
            write(this, items![i], version);
        }
    }

    /// <summary>Reserves four bytes for an int32 size and returns their position, for <see cref="EndSizePrefix"/>.</summary>
    public int BeginSizePrefix()
    {
        var position = _length;
        Reserve(sizeof(int));
        return position;
    }

    /// <summary>Fills in the size reserved at <paramref name="position"/>: the bytes written after it.</summary>
    public void EndSizePrefix(int position) => WriteInt32At(position, _length - position - sizeof(int));

    /// <summary>Overwrites the int32 at <paramref name="position"/>, which must already be written.</summary>
    public void WriteInt32At(int position, int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _length - sizeof(int));
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, sizeof(int)), value);
    }

    /// <summary>Writes a tagged field's tag and returns where its data starts, for <see cref="EndTaggedField"/>.</summary>
    public int BeginTaggedField(int tag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tag);
        WriteUnsigned((uint)tag);
        return _length;
    }

    /// <summary>Inserts the size of the tagged field's data written since <paramref name="start"/> in front of it.</summary>
    public void EndTaggedField(int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, _length);

        // The size is a varint whose length depends on the data, so the data moves up by that length once written:
        // tagged fields are few and small, and this spares a measuring pass over every message.
        var size = (uint)(_length - start);
        var prefix = (BitOperations.Log2(size | 1) / 7) + 1;
        Ensure(prefix);
        _buffer.AsSpan(start, (int)size).CopyTo(_buffer.AsSpan(start + prefix));
        var end = _length + prefix;
        _length = start;
        WriteUnsigned(size);
        _length = end;
    }

    /// <summary>Returns the exception for a null written in a version whose field does not allow one.</summary>
    public static NotSupportedException NullNotAllowed(string field, short version) =>
        new($"{field} is null, which version {version} does not allow.");

    /// <summary>Returns the exception for a non-default value of a field a version lacks, where Kafka does not let the
    /// value be dropped (the field is not ignorable).</summary>
    public static NotSupportedException NotInVersion(string field, short version) =>
        new($"{field} has a value other than its default, and version {version} lacks the field.");

    /// <summary>Returns the exception for a message written at a version the codec does not have.</summary>
    public static NotSupportedException UnsupportedVersion(string message, short version, short min, short max) =>
        new($"{message} version {version} is not one Herald writes ({min}-{max}).");
}
