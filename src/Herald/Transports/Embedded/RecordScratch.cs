using System.Diagnostics;
using System.Text;
using Herald.Events;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

/// <summary>Holds one thread's buffers for building a log record: its headers and their UTF-8 values.</summary>
/// <remarks>
/// A record built here is valid until the thread builds the next one. Each known attribute keeps the value it had
/// on the thread's last record and that value's bytes, so the attributes that repeat from event to event (spec
/// version, type, source, content type, versions and depths) are not encoded again, only compared.
/// </remarks>
internal sealed class RecordScratch
{
    [ThreadStatic]
    private static RecordScratch? t_current;

    private readonly Memo[] _memos = new Memo[EnvelopeAttributes.Count];
    private RecordHeader[] _headers = new RecordHeader[24];
    private byte[] _bytes = new byte[256];
    private int _headerCount;
    private int _used;

    /// <summary>Returns the calling thread's scratch, emptied for a new record; the thread's previous record is void.</summary>
    public static RecordScratch Begin()
    {
        var scratch = t_current ??= new RecordScratch();
        (scratch._headerCount, scratch._used) = (0, 0);
        return scratch;
    }

    public ReadOnlyMemory<RecordHeader> Headers => _headers.AsMemory(0, _headerCount);

    public void Add(string name, ReadOnlyMemory<byte> value)
    {
        if (_headerCount == _headers.Length)
        {
            Array.Resize(ref _headers, _headers.Length * 2);
        }

        // Memos hand out the same memory for an attribute from record to record, so most headers are already in
        // place: comparing them is cheaper than storing them again, which costs a GC write barrier per reference.
        ref var header = ref _headers[_headerCount++];
        if (!ReferenceEquals(header.Key, name) || header.Value is not { } current || !current.Equals(value))
        {
            header = new RecordHeader(name, value);
        }
    }

    /// <summary>Returns the UTF-8 bytes of a known string attribute's value.</summary>
    public ReadOnlyMemory<byte> String(KnownAttribute attribute, string value)
    {
        // Values that repeat are compared in full, since a reader may hand each event its own copy; others, such as
        // ids, are all but always new, so only the same instance is worth recognising.
        ref var memo = ref _memos[(int)attribute];
        if (ReferenceEquals(memo.Text, value) || (EnvelopeAttributes.Repeats(attribute) && string.Equals(memo.Text, value, StringComparison.Ordinal)))
        {
            return memo.Bytes;
        }

        // An event that starts a request is its own correlation: its id was encoded a moment ago.
        ref var id = ref _memos[(int)KnownAttribute.Id];
        if (attribute == KnownAttribute.CorrelationId && ReferenceEquals(value, id.Text))
        {
            return id.Bytes;
        }

        var buffer = memo.Buffer(Encoding.UTF8.GetMaxByteCount(value.Length));
        memo.Text = value;
        memo.Bytes = buffer.AsMemory(0, Encoding.UTF8.GetBytes(value, buffer));
        return memo.Bytes;
    }

    /// <summary>Returns the UTF-8 text of a known integer attribute's value.</summary>
    public ReadOnlyMemory<byte> Integer(KnownAttribute attribute, long value)
    {
        ref var memo = ref _memos[(int)attribute];
        if (memo.Number != value || memo.Bytes.IsEmpty)
        {
            var buffer = memo.Buffer(AttributeText.MaxIntegerLength);
            memo.Number = value;
            memo.Bytes = buffer.AsMemory(0, AttributeText.FormatInteger(value, buffer));
        }

        return memo.Bytes;
    }

    /// <summary>Returns the UTF-8 text of a known time attribute's value.</summary>
    public ReadOnlyMemory<byte> Time(KnownAttribute attribute, DateTimeOffset value)
    {
        ref var memo = ref _memos[(int)attribute];
        var ticks = value.UtcTicks;
        if (memo.Number != ticks || memo.Bytes.IsEmpty)
        {
            var buffer = memo.Buffer(AttributeText.TimeLength);
            var sameSecond = !memo.Bytes.IsEmpty && memo.Number / TimeSpan.TicksPerSecond == ticks / TimeSpan.TicksPerSecond;
            memo.Number = ticks;
            memo.Bytes = buffer.AsMemory(0, sameSecond ? AttributeText.FormatTimeFraction(ticks, buffer) : AttributeText.FormatTime(value, buffer));
        }

        return memo.Bytes;
    }

    /// <summary>Returns the UTF-8 bytes of an extension's value.</summary>
    public ReadOnlyMemory<byte> Extension(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_used + max > _bytes.Length)
        {
            // Earlier headers keep pointing at the old array, which stays alive through them.
            _bytes = new byte[Math.Max(_bytes.Length * 2, max)];
            _used = 0;
        }

        var written = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_used));
        var memory = _bytes.AsMemory(_used, written);
        _used += written;
        return memory;
    }

    /// <summary>Remembers one attribute's last value (text, or integer or UTC ticks) and its UTF-8 bytes.</summary>
    private struct Memo
    {
        private byte[]? _buffer;

        public string? Text;
        public long Number;
        public ReadOnlyMemory<byte> Bytes;

        /// <summary>Returns the memo's buffer, at least <paramref name="length"/> bytes long, which the caller overwrites.</summary>
        /// <remarks>Overwriting is safe: the last record to point into the buffer was this thread's previous one.</remarks>
        public byte[] Buffer(int length)
        {
            if (_buffer is null || _buffer.Length < length)
            {
                _buffer = new byte[Math.Max(length, 64)];
            }

            Debug.Assert(_buffer.Length >= length, "The buffer holds the longest encoding.");
            return _buffer;
        }
    }
}
