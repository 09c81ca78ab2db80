namespace Herald.Server.Protocol;

/// <content>Arrays, structs and tagged fields.</content>
internal partial struct KafkaReader
{
    /// <summary>The name given to a tagged-field section in error messages.</summary>
    public const string TaggedFields = "TaggedFields";

    /// <summary>Reads an array's int32 element count: -1 for null, otherwise a count whose elements, of at least
    /// <paramref name="minElementSize"/> bytes each, fit in the bytes left.</summary>
    public int ReadArrayLength(string field, int minElementSize) => CheckCount(field, ReadInt32(field), minElementSize);

    /// <summary>Reads a compact array's element count (unsigned varint count + 1): -1 for null (0), otherwise a count
    /// whose elements, of at least <paramref name="minElementSize"/> bytes each, fit in the bytes left.</summary>
    public int ReadCompactArrayLength(string field, int minElementSize) => CheckCount(field, ReadCompactLength(field), minElementSize);

    /// <summary>Reads an array whose null (-1 or 0) throws; each element is read by <paramref name="read"/>.</summary>
    public List<T> ReadArray<T>(string field, short version, bool compact, int minElementSize, ElementReader<T> read) =>
        ReadNullableArray(field, version, compact, minElementSize, read) ?? throw NullNotAllowed(field, "array");

    /// <summary>Reads an array, or null; each element is read by <paramref name="read"/>, and an error in one names its index.</summary>
    public List<T>? ReadNullableArray<T>(string field, short version, bool compact, int minElementSize, ElementReader<T> read)
    {
        var count = compact ? ReadCompactArrayLength(field, minElementSize) : ReadArrayLength(field, minElementSize);
        if (count == -1)
        {
            return null;
        }

        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            try
            {
                items.Add(read(ref this, version));
            }
            catch (KafkaProtocolException e) when (e.Within(field, i))
            {
                throw;
            }
        }

        return items;
    }

    /// <summary>Reads a struct field with <paramref name="read"/>; an error in it names the field.</summary>
    public T ReadStruct<T>(string field, short version, ElementReader<T> read)
    {
        try
        {
            return read(ref this, version);
        }
        catch (KafkaProtocolException e) when (e.Within(field))
        {
            throw;
        }
    }

    /// <summary>Reads the number of fields in a tagged-field section; each takes at least two bytes (tag and size).</summary>
    public int ReadTaggedFieldCount()
    {
        var count = ReadUnsignedVarint(TaggedFields);
        if (count > (uint)Remaining / 2)
        {
            throw new KafkaProtocolException(TaggedFields, $"{count} tagged fields need at least {2L * count} bytes, {Remaining} left");
        }

        return (int)count;
    }

    /// <summary>Reads one tagged field's tag and size and returns a reader over its data, which this reader skips.</summary>
    public KafkaReader ReadTaggedField(out int tag)
    {
        var raw = ReadUnsignedVarint(TaggedFields);
        if (raw > int.MaxValue)
        {
            throw new KafkaProtocolException(TaggedFields, $"tag {raw} exceeds {int.MaxValue}");
        }

        tag = (int)raw;
        var size = ReadUnsignedVarint(TaggedFields);
        if (size > (uint)Remaining)
        {
            throw new KafkaProtocolException(TaggedFields, $"tagged field {tag} of {size} bytes exceeds the {Remaining} bytes left");
        }

        var data = new KafkaReader(_buffer.Slice(_position, (int)size));
        _position += (int)size;
        return data;
    }

    /// <summary>Reads a tagged-field section whose fields the reader does not know, skipping every one.</summary>
    public void SkipTaggedFields()
    {
        var count = ReadTaggedFieldCount();
        for (var i = 0; i < count; i++)
        {
            ReadTaggedField(out _);
        }
    }

    private readonly int CheckCount(string field, long count, int minElementSize)
    {
        if (count == -1)
        {
            return -1;
        }

        if (count < 0)
        {
            throw new KafkaProtocolException(field, $"negative array length {count}");
        }

        if (count * minElementSize > Remaining)
        {
            throw new KafkaProtocolException(field, $"array of {count} elements needs at least {count * minElementSize} bytes, {Remaining} left");
        }

        return (int)count;
    }
}
