using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;
using Herald.Log.Storage;

namespace Herald.Log.Groups;

/// <summary>Names and encodes the file that holds one consumer group's committed offsets.</summary>
/// <remarks>
/// <para>
/// The file name is the group name escaped to <c>[a-z0-9._-]</c>, each other UTF-8 byte written as <c>%XX</c> (upper
/// case hex), plus <see cref="Extension"/>: <c>payment</c> stays <c>payment.offsets</c>, <c>a/b</c> becomes
/// <c>a%2Fb.offsets</c>. Capitals are escaped too (<c>Payment</c> is <c>%50ayment</c>), so two groups never share a
/// file on a case-insensitive file system; so are a leading dot (no <c>.</c>, <c>..</c> or hidden files) and the first
/// letter of a Windows device name (<c>con</c>, <c>nul</c>, <c>com1</c>...). Escaping is canonical, hence reversible.
/// </para>
/// <para>
/// The content is big-endian: magic <c>"HGOF"</c> (int32), version 1 (int16), entry count (int32), then per entry the
/// topic (int16 byte length and UTF-8), the partition (int32) and the committed offset (int64), and last a CRC-32C
/// (uint32) of every byte before it.
/// </para>
/// </remarks>
internal static class CommittedOffsetFile
{
    /// <summary>The extension of a group's offsets file.</summary>
    public const string Extension = ".offsets";

    /// <summary>The longest escaped group name: a file name, temporary suffix included, must fit in 255 bytes.</summary>
    public const int MaxStemLength = 240;

    private const int Magic = 0x48474F46;
    private const short Version = 1;
    private const int HeaderSize = sizeof(int) + sizeof(short) + sizeof(int);
    private const int CrcSize = sizeof(uint);
    private const int EntryFixedSize = sizeof(short) + sizeof(int) + sizeof(long);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly FrozenSet<string> DeviceNames = FrozenSet.ToFrozenSet(
        ["con", "prn", "aux", "nul", .. Enumerable.Range(0, 10).SelectMany(i => new[] { $"com{i}", $"lpt{i}" })]);

    /// <summary>Returns the file name, without <see cref="Extension"/>, of <paramref name="group"/>'s offsets.</summary>
    /// <exception cref="ArgumentException"><paramref name="group"/> is empty, not valid UTF-16, or too long.</exception>
    public static string Stem(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var bytes = Utf8(group, nameof(group));
        var stem = new StringBuilder(bytes.Length);
        var deviceName = DeviceNames.Contains(group.Split('.')[0]);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var literal = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.';
            if (literal && !(i == 0 && (b == '.' || deviceName)))
            {
                stem.Append((char)b);
            }
            else
            {
                stem.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (stem.Length > MaxStemLength)
        {
            throw new ArgumentException(
                $"The group name '{group}' is too long to name a file: escaped it has {stem.Length} characters, at most {MaxStemLength} are allowed. Choose a shorter group name.",
                nameof(group));
        }

        return stem.ToString();
    }

    /// <summary>Recovers the group name from a file name stem; <see langword="false"/> for a name <see cref="Stem"/> never makes.</summary>
    public static bool TryParseStem(string stem, out string group)
    {
        group = string.Empty;
        var bytes = new List<byte>(stem.Length);
        for (var i = 0; i < stem.Length; i++)
        {
            if (stem[i] != '%')
            {
                bytes.Add((byte)stem[i]);
            }
            else if (i + 2 < stem.Length && byte.TryParse(stem.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                return false;
            }
        }

        try
        {
            group = StrictUtf8.GetString([.. bytes]);
            return group.Length > 0 && Stem(group) == stem;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Checks that every entry of <paramref name="offsets"/> can be stored and read back.</summary>
    /// <exception cref="ArgumentException">A topic is empty, not valid UTF-16 or too long, or a partition or offset is negative.</exception>
    public static void Validate(IReadOnlyDictionary<(string Topic, int Partition), long> offsets, string parameterName)
    {
        foreach (var ((topic, partition), offset) in offsets)
        {
            if (string.IsNullOrEmpty(topic) || Utf8(topic, parameterName).Length > short.MaxValue)
            {
                throw new ArgumentException($"Topic names must have 1 to {short.MaxValue} UTF-8 bytes; got '{topic}'.", parameterName);
            }

            if (partition < 0 || offset < 0)
            {
                throw new ArgumentException($"Topic '{topic}' partition {partition} offset {offset}: neither the partition nor the offset may be negative.", parameterName);
            }
        }
    }

    /// <summary>Encodes <paramref name="offsets"/>, sorted by topic and partition so equal maps give equal bytes.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<(string Topic, int Partition), long> offsets)
    {
        var entries = offsets.OrderBy(entry => entry.Key.Topic, StringComparer.Ordinal).ThenBy(entry => entry.Key.Partition)
            .Select(entry => (Topic: StrictUtf8.GetBytes(entry.Key.Topic), entry.Key.Partition, Offset: entry.Value))
            .ToList();
        var buffer = new byte[HeaderSize + entries.Sum(entry => EntryFixedSize + entry.Topic.Length) + CrcSize];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, Magic);
        BinaryPrimitives.WriteInt16BigEndian(span[sizeof(int)..], Version);
        BinaryPrimitives.WriteInt32BigEndian(span[(sizeof(int) + sizeof(short))..], entries.Count);
        var position = HeaderSize;
        foreach (var (topic, partition, offset) in entries)
        {
            BinaryPrimitives.WriteInt16BigEndian(span[position..], (short)topic.Length);
            topic.CopyTo(span[(position + sizeof(short))..]);
            position += sizeof(short) + topic.Length;
            BinaryPrimitives.WriteInt32BigEndian(span[position..], partition);
            BinaryPrimitives.WriteInt64BigEndian(span[(position + sizeof(int))..], offset);
            position += sizeof(int) + sizeof(long);
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[position..], Crc32C.Compute(span[..position]));
        return buffer;
    }

    /// <summary>Decodes the content of the offsets file at <paramref name="path"/>.</summary>
    /// <exception cref="LogCorruptedException">The content is truncated, damaged, or of an unknown version.</exception>
    public static FrozenDictionary<(string Topic, int Partition), long> Parse(string path, ReadOnlySpan<byte> content)
    {
        if (content.Length < HeaderSize + CrcSize)
        {
            throw new LogCorruptedException(path, content.Length, $"the file has {content.Length} bytes, fewer than the {HeaderSize + CrcSize} of an empty offsets file.");
        }

        if (BinaryPrimitives.ReadInt32BigEndian(content) != Magic)
        {
            throw new LogCorruptedException(path, 0, $"the file does not start with the magic 0x{Magic:X8} of a Herald offsets file.");
        }

        var body = content[..^CrcSize];
        var stored = BinaryPrimitives.ReadUInt32BigEndian(content[^CrcSize..]);
        var actual = Crc32C.Compute(body);
        if (stored != actual)
        {
            throw new LogCorruptedException(path, body.Length, $"the stored CRC-32C 0x{stored:X8} does not match the content's 0x{actual:X8}.");
        }

        var version = BinaryPrimitives.ReadInt16BigEndian(content[sizeof(int)..]);
        if (version != Version)
        {
            throw new LogCorruptedException(path, sizeof(int), $"format version {version} is unknown to this Herald (it reads version {Version}); upgrade Herald.");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(content[(sizeof(int) + sizeof(short))..]);
        var offsets = new Dictionary<(string Topic, int Partition), long>();
        var position = HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var entry = ReadEntry(path, body, position, out var size);
            if (!offsets.TryAdd((entry.Topic, entry.Partition), entry.Offset))
            {
                throw new LogCorruptedException(path, position, $"topic '{entry.Topic}' partition {entry.Partition} appears twice.");
            }

            position += size;
        }

        if (count < 0 || position != body.Length)
        {
            throw new LogCorruptedException(path, position, $"the header counts {count} entries, but the entries end at byte {position} of {body.Length}.");
        }

        return offsets.ToFrozenDictionary();
    }

    private static (string Topic, int Partition, long Offset) ReadEntry(string path, ReadOnlySpan<byte> body, int position, out int size)
    {
        var topicLength = body.Length - position >= sizeof(short) ? BinaryPrimitives.ReadInt16BigEndian(body[position..]) : -1;
        size = EntryFixedSize + topicLength;
        if (topicLength <= 0 || size > body.Length - position)
        {
            throw new LogCorruptedException(path, position, "an entry runs past the end of the content or has an empty topic.");
        }

        var start = position + sizeof(short);
        string topic;
        try
        {
            topic = StrictUtf8.GetString(body.Slice(start, topicLength));
        }
        catch (DecoderFallbackException)
        {
            throw new LogCorruptedException(path, start, "the topic name is not valid UTF-8.");
        }

        var partition = BinaryPrimitives.ReadInt32BigEndian(body[(start + topicLength)..]);
        var offset = BinaryPrimitives.ReadInt64BigEndian(body[(start + topicLength + sizeof(int))..]);
        if (partition < 0 || offset < 0)
        {
            throw new LogCorruptedException(path, position, $"topic '{topic}' has partition {partition} and offset {offset}; neither may be negative.");
        }

        return (topic, partition, offset);
    }

    /// <summary>Returns the UTF-8 bytes of a group or topic name, rejecting lone surrogates that UTF-8 cannot carry.</summary>
    private static byte[] Utf8(string name, string parameterName)
    {
        try
        {
            return StrictUtf8.GetBytes(name);
        }
        catch (EncoderFallbackException exception)
        {
            throw new ArgumentException($"The name '{name}' is not valid UTF-16: it holds a lone surrogate, which has no UTF-8 form.", parameterName, exception);
        }
    }
}
