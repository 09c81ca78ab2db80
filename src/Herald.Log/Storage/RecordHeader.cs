namespace Herald.Log.Storage;

/// <summary>Describes one header of a record to append: a non-null string key and a nullable byte value.</summary>
/// <remarks>
/// The value is borrowed, not copied, until the record is encoded. A <see langword="null"/> <c>byte[]</c> converts to an
/// empty value, not a null one (see <see cref="LogRecord"/>).
/// </remarks>
public readonly struct RecordHeader
{
    /// <summary>Creates a header; a <see langword="null"/> <paramref name="value"/> is written as Kafka's null (length -1).</summary>
    public RecordHeader(string key, ReadOnlyMemory<byte>? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        Value = value;
    }

    /// <summary>Gets the key, written as UTF-8.</summary>
    public string Key { get; }

    /// <summary>Gets the value, or <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? Value { get; }
}
