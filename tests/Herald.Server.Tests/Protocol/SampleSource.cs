namespace Herald.Server.Tests.Protocol;

/// <summary>Random field values for <see cref="MessageSamples"/>: numbers over their whole range, strings with
/// multi-byte characters, short lists, and null now and then where a field allows it.</summary>
internal sealed class SampleSource(int seed)
{
    private static readonly string[] Pieces = ["a", "orders", "é", "日本", "🙂", "-", "_", "0", " "];

    private readonly Random _random = new(seed);

    public sbyte Int8() => (sbyte)_random.Next(sbyte.MinValue, sbyte.MaxValue + 1);

    public short Int16() => (short)_random.Next(short.MinValue, short.MaxValue + 1);

    public int Int32() => _random.Next(4) == 0 ? _random.Next(-2, 3) : (int)_random.NextInt64(int.MinValue, (long)int.MaxValue + 1);

    public long Int64() => _random.Next(4) == 0 ? _random.Next(-2, 3) : _random.NextInt64(long.MinValue, long.MaxValue);

    public ushort UInt16() => (ushort)_random.Next(ushort.MaxValue + 1);

    public uint UInt32() => (uint)_random.NextInt64(uint.MaxValue + 1L);

    public double Float64() => (_random.NextDouble() - 0.5) * 1e6;

    public bool Boolean() => _random.Next(2) == 0;

    public Guid Uuid() => new(Bytes(16).Span);

    public string String() => string.Concat(Enumerable.Range(0, _random.Next(0, 6)).Select(_ => Pieces[_random.Next(Pieces.Length)]));

    public string? NullableString() => _random.Next(4) == 0 ? null : String();

    public ReadOnlyMemory<byte> Bytes() => Bytes(_random.Next(0, 24));

    public ReadOnlyMemory<byte>? NullableBytes() => _random.Next(4) == 0 ? null : Bytes();

    public List<T> List<T>(Func<T> element) => [.. Enumerable.Range(0, _random.Next(0, 4)).Select(_ => element())];

    public List<T>? NullableList<T>(Func<T> element) => _random.Next(4) == 0 ? null : List(element);

    public T? Maybe<T>(Func<T> value)
        where T : class => _random.Next(3) == 0 ? null : value();

    private ReadOnlyMemory<byte> Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}
