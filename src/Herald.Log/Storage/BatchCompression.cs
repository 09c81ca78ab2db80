using System.Buffers;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace Herald.Log.Storage;

/// <summary>Decompresses the records of a Kafka RecordBatch v2 compressed by a Kafka client: gzip, snappy, lz4 or zstd.</summary>
/// <remarks>
/// The output goes to an array rented from <see cref="ArrayPool{T}.Shared"/> that never grows past the caller's limit,
/// so a small payload that claims or inflates to gigabytes (a decompression bomb) costs at most the limit. Formats are
/// Kafka's: gzip as GZIPOutputStream writes it, snappy raw (librdkafka) or in xerial's framing (the Java client), lz4 in
/// the LZ4 frame format, zstd frames.
/// </remarks>
internal static class BatchCompression
{
    /// <summary>The codec number of an uncompressed batch.</summary>
    public const int None = 0;

    /// <summary>The codec number of gzip.</summary>
    public const int Gzip = 1;

    /// <summary>The codec number of snappy.</summary>
    public const int Snappy = 2;

    /// <summary>The codec number of lz4.</summary>
    public const int Lz4 = 3;

    /// <summary>The codec number of zstd, the highest Kafka defines.</summary>
    public const int Zstd = 4;

    /// <summary>The highest codec number Kafka defines.</summary>
    public const int MaxCodec = Zstd;

    /// <summary>The most bytes reading decompresses one stored batch to: the largest <see cref="TopicOptions.MaxUncompressedBatchBytes"/>, which appends were held to.</summary>
    public const int ReadLimit = TopicOptions.MaxUncompressedBatchBytesLimit;

    private const int StreamChunk = 64 * 1024;

    // Kafka's Java client writes snappy in xerial's framing: this magic, a version and a compatible version (int32 each),
    // then blocks of [int32 big-endian length, raw snappy]. librdkafka writes one raw snappy block.
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    /// <summary>Returns the codec's name, as Kafka's <c>compression.type</c> spells it.</summary>
    public static string Name(int codec) => codec switch
    {
        None => "none",
        Gzip => "gzip",
        Snappy => "snappy",
        Lz4 => "lz4",
        Zstd => "zstd",
        _ => $"codec {codec}",
    };

    /// <summary>Decompresses <paramref name="compressed"/> into a pooled array and returns it; the caller returns it to the pool.</summary>
    /// <param name="codec">The codec, from the batch's attributes (1 to 4).</param>
    /// <param name="compressed">The batch's bytes after its header.</param>
    /// <param name="maxBytes">The most bytes the output may take.</param>
    /// <param name="length">The length of the output in the returned array.</param>
    /// <exception cref="InvalidDataException">The payload does not decompress.</exception>
    /// <exception cref="DecompressedTooLargeException">The payload decompresses to more than <paramref name="maxBytes"/>.</exception>
    public static byte[] Decompress(int codec, ReadOnlySpan<byte> compressed, int maxBytes, out int length)
    {
        if (codec is < Gzip or > MaxCodec)
        {
            throw new InvalidDataException($"compression codec {codec} is not one Kafka defines (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).");
        }

        var output = new Output(maxBytes);
        try
        {
            switch (codec)
            {
                case Gzip:
                    ReadStream(compressed, static source => new GZipStream(source, CompressionMode.Decompress), ref output);
                    break;
                case Snappy:
                    DecompressSnappy(compressed, ref output);
                    break;
                case Lz4:
                    ReadStream(compressed, static source => LZ4Stream.Decode(source, 0, leaveOpen: false), ref output);
                    break;
                default:
                    ReadStream(compressed, static source => new DecompressionStream(source, leaveOpen: false), ref output);
                    break;
            }

            length = output.Length;
            return output.Detach();
        }
        catch (Exception exception) when (exception is not (DecompressedTooLargeException or OutOfMemoryException))
        {
            // Each library reports bad input its own way (InvalidDataException, ZstdException, ArgumentException...): one
            // type for all, naming the codec.
            output.Dispose();
            throw new InvalidDataException($"the {Name(codec)} payload does not decompress: {exception.Message}", exception);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Returns an array <see cref="Decompress"/> rented to the pool.</summary>
    public static void Return(byte[] rented)
    {
        if (rented.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static unsafe void ReadStream(ReadOnlySpan<byte> compressed, Func<Stream, Stream> open, ref Output output)
    {
        fixed (byte* start = compressed)
        {
            using var decoder = open(new UnmanagedMemoryStream(start, compressed.Length));
            int read;
            do
            {
                read = decoder.Read(output.GetSpan(StreamChunk));
                output.Advance(read);
            }
            while (read > 0);
        }
    }

    private static void DecompressSnappy(ReadOnlySpan<byte> compressed, ref Output output)
    {
        if (!compressed.StartsWith(XerialMagic))
        {
            SnappyBlock(compressed, ref output);
            return;
        }

        const int HeaderLength = 16;
        var rest = compressed.Length >= HeaderLength ? compressed[HeaderLength..]
            : throw new InvalidDataException($"the xerial snappy header takes {HeaderLength} bytes; the payload has {compressed.Length}.");
        while (!rest.IsEmpty)
        {
            var blockLength = rest.Length >= 4 ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest) : -1;
            if (blockLength < 0 || blockLength > rest.Length - 4)
            {
                throw new InvalidDataException($"a xerial snappy block claims {blockLength} bytes, but {Math.Max(0, rest.Length - 4)} follow its length.");
            }

            SnappyBlock(rest.Slice(4, blockLength), ref output);
            rest = rest[(4 + blockLength)..];
        }
    }

    private static void SnappyBlock(ReadOnlySpan<byte> block, ref Output output)
    {
        // A raw snappy block starts with its uncompressed length: check it against the limit before allocating.
        var length = Snappier.Snappy.GetUncompressedLength(block);
        var written = Snappier.Snappy.Decompress(block, output.GetExactSpan(length));
        output.Advance(written);
    }

    /// <summary>A pooled output buffer that refuses to hold more than its limit.</summary>
    private struct Output(int maxBytes) : IDisposable
    {
        private byte[]? _buffer;

        public int Length { get; private set; }

        // At most the bytes still allowed plus one: a stream that fills it has proved the payload is over the limit.
        public Span<byte> GetSpan(int chunk)
        {
            var wanted = (int)Math.Min((long)maxBytes + 1 - Length, chunk);
            Ensure(Length + wanted);
            return _buffer.AsSpan(Length, wanted);
        }

        public Span<byte> GetExactSpan(int length)
        {
            if (length < 0 || (long)Length + length > maxBytes)
            {
                throw new DecompressedTooLargeException(maxBytes);
            }

            Ensure(Length + length);
            return _buffer.AsSpan(Length, length);
        }

        public void Advance(int count)
        {
            Length += count;
            if (Length > maxBytes)
            {
                throw new DecompressedTooLargeException(maxBytes);
            }
        }

        public byte[] Detach()
        {
            var buffer = _buffer ?? [];
            _buffer = null;
            return buffer;
        }

        public void Dispose()
        {
            if (_buffer is { Length: > 0 } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            _buffer = null;
        }

        private void Ensure(int capacity)
        {
            if (_buffer is not null && _buffer.Length >= capacity)
            {
                return;
            }

            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(capacity, (_buffer?.Length ?? 0) * 2L), Math.Max(capacity, (long)maxBytes + 1)));
            _buffer?.AsSpan(0, Length).CopyTo(grown);
            Dispose();
            _buffer = grown;
        }
    }
}
