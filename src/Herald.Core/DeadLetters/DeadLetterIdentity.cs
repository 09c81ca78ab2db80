using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Herald.Events;

namespace Herald.DeadLetters;

/// <summary>Names a dead letter by its event id and the content it was delivered with: <c>&lt;event id&gt;~&lt;16 hex digits&gt;</c>.</summary>
/// <remarks>
/// The same event delivered again (an at-least-once duplicate, or a redriven one that fails again) has the same id;
/// a different message that reuses the event id (a foreign producer, a bug) has another, so neither overwrites the
/// other. The digest is the first 64 bits of SHA-256 over the event's type, version, source, data content type,
/// partition key, sequence, extensions (but <c>tracestate</c>) and data: what the event says, not when or through which
/// trace it travelled, so that metadata a redelivery may restamp never splits one event in two. See docs/adr/0016.
/// </remarks>
public static class DeadLetterIdentity
{
    /// <summary>The character between the event id and the digest.</summary>
    public const char Separator = '~';

    private const int DigestHexLength = 16;
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>Returns the dead-letter id of <paramref name="envelope"/> as delivered.</summary>
    public static string Of(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, envelope.EventType);
        Append(hash, envelope.EventVersion.ToString(CultureInfo.InvariantCulture));
        Append(hash, envelope.Source);
        Append(hash, envelope.DataContentType);
        Append(hash, envelope.PartitionKey);
        Append(hash, envelope.Sequence?.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in envelope.Extensions.Where(e => e.Key != Diagnostics.MessagingAttributes.TraceState).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Append(hash, name);
            Append(hash, value);
        }

        Append(hash, envelope.Data.Span);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return string.Concat(envelope.EventId, Separator.ToString(), Convert.ToHexStringLower(digest[..(DigestHexLength / 2)]));
    }

    /// <summary>Returns the event id part of <paramref name="id"/>, or <see langword="null"/> when it is not a dead-letter id.</summary>
    public static string? EventIdOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var separator = id.LastIndexOf(Separator);
        return separator > 0 && id.Length - separator - 1 == DigestHexLength && !id.AsSpan(separator + 1).ContainsAnyExcept(HexDigits)
            ? id[..separator]
            : null;
    }

    // Each field is length-prefixed, so that no two different envelopes feed the same bytes; -1 stands for absent.
    private static void Append(IncrementalHash hash, string? text) =>
        Append(hash, text is null ? default : Encoding.UTF8.GetBytes(text), absent: text is null);

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> bytes, bool absent = false)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, absent ? -1 : bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
