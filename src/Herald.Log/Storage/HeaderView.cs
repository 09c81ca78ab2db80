using System.Text;

namespace Herald.Log.Storage;

/// <summary>Shows one record header in place: its UTF-8 key and its nullable value.</summary>
public readonly ref struct HeaderView
{
    private HeaderView(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool hasValue)
    {
        Key = key;
        Value = value;
        HasValue = hasValue;
    }

    /// <summary>Gets the key's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Gets the value; empty when <see cref="HasValue"/> is false.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Gets whether the value is non-null.</summary>
    public bool HasValue { get; }

    /// <summary>Decodes the key into a new string.</summary>
    public string GetKeyString() => Encoding.UTF8.GetString(Key);

    /// <summary>Reads the header at the reader's position and leaves the reader after it.</summary>
    /// <exception cref="InvalidDataException">The header is malformed or has a null key.</exception>
    internal static HeaderView Read(scoped ref FieldReader reader)
    {
        var key = reader.ReadNullableBytes("header key", out var keyIsNull);
        if (keyIsNull)
        {
            reader.ThrowMalformed("header key", "is null; Kafka header keys are non-null strings");
        }

        var value = reader.ReadNullableBytes("header value", out var valueIsNull);
        return new HeaderView(key, value, !valueIsNull);
    }
}
