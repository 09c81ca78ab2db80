using System.Diagnostics;
using System.Text;

namespace Herald.Events;

/// <summary>Writes envelopes as binary-mode headers with UTF-8 values, reusing its buffers from one envelope to the next.</summary>
/// <remarks>
/// <para>
/// For transports that hand bytes to their protocol (the embedded log, Kafka): the headers are those
/// <see cref="CloudEventsBinding.Write{TState}(EventEnvelope, TState, Action{TState, string, string})"/> writes, in the
/// same order, with the same text, but encoded straight into buffers the encoder owns. Each known attribute keeps its
/// last value and that value's bytes, so the values that repeat from event to event (spec version, type, source, content
/// type, versions, depths) are compared, not encoded again.
/// </para>
/// <para>
/// Not thread-safe: an encoder serves one thread at a time (keep one per thread), and the values of one
/// <see cref="Encode{TSink}(EventEnvelope, ref TSink)"/> are valid until its next call.
/// </para>
/// </remarks>
/// <param name="binding">The header names to write.</param>
public sealed class CloudEventEncoder(CloudEventsBinding binding)
{
    private readonly CloudEventsBinding _binding = binding ?? throw new ArgumentNullException(nameof(binding));
    private readonly string[] _names = binding.KnownHeaderNames;
    private readonly Memo[] _memos = new Memo[EnvelopeAttributes.Count];
    private byte[] _bytes = new byte[256];
    private int _used;

    /// <summary>Gets the header names the encoder writes.</summary>
    public CloudEventsBinding Binding => _binding;

    /// <summary>Writes the envelope's headers to <paramref name="headers"/> and returns the partition key's bytes.</summary>
    /// <returns>The UTF-8 bytes of <see cref="EventEnvelope.PartitionKey"/> (the same memory as its header), for protocols
    /// whose message key is the partition key, as the Kafka binding says; <see langword="null"/> when the envelope has none.</returns>
    /// <remarks>Every value, the key included, is valid until this encoder's next call; the previous call's values are void.</remarks>
    public ReadOnlyMemory<byte>? Encode<TSink>(EventEnvelope envelope, ref TSink headers)
        where TSink : ICloudEventHeaderSink
    {
        ArgumentNullException.ThrowIfNull(envelope);
        _used = 0;
        if (_binding.ContentTypeHeader is { } contentType)
        {
            headers.Add(contentType, String(KnownAttribute.DataContentType, envelope.DataContentType));
        }

        var writer = new Writer<TSink>(this, headers);
        EnvelopeAttributes.Visit(envelope, ref writer);
        headers = writer.Headers;
        if (_binding.WritesDataContentType)
        {
            headers.Add(_names[(int)KnownAttribute.DataContentType], String(KnownAttribute.DataContentType, envelope.DataContentType));
        }

        return writer.Key;
    }

    private ReadOnlyMemory<byte> String(KnownAttribute attribute, string value)
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

    private ReadOnlyMemory<byte> Integer(KnownAttribute attribute, long value)
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

    private ReadOnlyMemory<byte> Time(KnownAttribute attribute, DateTimeOffset value)
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

    private ReadOnlyMemory<byte> Extension(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_used + max > _bytes.Length)
        {
            // Headers written before keep pointing at the old array, which stays alive through them.
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
        /// <remarks>Overwriting is safe: the last headers to point into the buffer were the encoder's previous call's.</remarks>
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

    private struct Writer<TSink>(CloudEventEncoder encoder, TSink headers) : IAttributeVisitor
        where TSink : ICloudEventHeaderSink
    {
        public TSink Headers = headers;

        /// <summary>Gets the partition key's bytes, shared with its header, or null when the envelope has none.</summary>
        public ReadOnlyMemory<byte>? Key { get; private set; }

        public void VisitString(KnownAttribute attribute, string value)
        {
            var bytes = encoder.String(attribute, value);
            if (attribute == KnownAttribute.PartitionKey)
            {
                Key = bytes;
            }

            Headers.Add(encoder._names[(int)attribute], bytes);
        }

        public void VisitInteger(KnownAttribute attribute, long value) =>
            Headers.Add(encoder._names[(int)attribute], encoder.Integer(attribute, value));

        public void VisitTime(KnownAttribute attribute, DateTimeOffset value) =>
            Headers.Add(encoder._names[(int)attribute], encoder.Time(attribute, value));

        public void VisitExtension(string name, string value) =>
            Headers.Add(encoder._binding.ExtensionHeaderName(name), encoder.Extension(value));
    }
}
