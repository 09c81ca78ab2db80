using System.Buffers;

namespace Herald.Events;

/// <summary>A pooled buffer that refuses to grow past a limit, so a payload over it stops serializing near the limit.</summary>
/// <remarks>
/// <see cref="System.Text.Json.Utf8JsonWriter"/> asks for room for the worst case of what it writes next: three bytes per
/// character of a string, and never less than 4 KiB. A larger request is refused only when even one byte per requested
/// three would pass the limit, so what fits is never refused, and a payload over the limit costs about the limit in
/// memory, not its own size.
/// </remarks>
internal sealed class BoundedBufferWriter(int maxBytes) : IBufferWriter<byte>, IDisposable
{
    // Room for the writer's own overhead in a request (quotes, a separator, an escape), beyond three bytes per character.
    private const int RequestSlack = 64;

    // The writer asks for at least this much whenever it grows, whatever it writes next: such a request says nothing of the size.
    private const int GrowthSize = 4096;

    private byte[] _buffer = [];
    private int _written;

    /// <summary>Gets whether what was written, or asked room for, is over the limit; <see cref="Written"/> is then a lower bound.</summary>
    public bool Exceeded { get; private set; }

    /// <summary>Gets how many bytes were written.</summary>
    public int Written => _written;

    /// <summary>Gets the bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _written += count;
        if (_written > maxBytes)
        {
            Exceeded = true;
            throw new LimitReachedException();
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (sizeHint > GrowthSize && ((long)sizeHint - RequestSlack) / 3 > (long)maxBytes - _written)
        {
            Exceeded = true;
            throw new LimitReachedException();
        }

        if (_buffer.Length - _written < sizeHint)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)_written + sizeHint, Math.Max(256L, 2L * _buffer.Length)), int.MaxValue));
            _buffer.AsSpan(0, _written).CopyTo(grown);
            Dispose();
            _buffer = grown;
        }

        return _buffer;
    }

    /// <summary>Stops the serializer when the payload passes the limit; <see cref="EventSerializer"/> turns it into <see cref="EventTooLargeException"/>.</summary>
    internal sealed class LimitReachedException : Exception
    {
        public LimitReachedException() : base("The payload is over the size limit.") { }

        public LimitReachedException(string message) : base(message) { }

        public LimitReachedException(string message, Exception innerException) : base(message, innerException) { }
    }
}
