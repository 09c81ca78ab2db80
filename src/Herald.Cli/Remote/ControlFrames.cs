using System.Buffers.Binary;
using System.Text;

namespace Herald.Cli.Remote;

/// <summary>
/// The frames of the channel between a <c>herald</c> command and the <c>herald serve</c> that runs it: a type byte, a
/// 4-byte big-endian length, then the payload (UTF-8 text, JSON for the request).
/// </summary>
internal static class ControlFrames
{
    /// <summary>Client to server, first and once: the command line and what the command may read of its caller (JSON).</summary>
    public const byte Request = (byte)'r';

    /// <summary>Client to server: the answer to <see cref="Question"/>, <c>y</c> or <c>n</c>.</summary>
    public const byte Answer = (byte)'a';

    /// <summary>Server to client: text for stdout.</summary>
    public const byte Out = (byte)'o';

    /// <summary>Server to client: text for stderr.</summary>
    public const byte Error = (byte)'e';

    /// <summary>Server to client: a yes/no question for the operator; the command waits for <see cref="Answer"/>.</summary>
    public const byte Question = (byte)'q';

    /// <summary>Server to client, last: the command's exit code, as text.</summary>
    public const byte Exit = (byte)'x';

    /// <summary>The largest payload either side accepts; more closes the channel.</summary>
    public const int MaxPayload = 1024 * 1024;

    /// <summary>Writes one frame of <paramref name="text"/>.</summary>
    public static void Write(Stream stream, byte type, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[5 + payload.Length];
        frame[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        stream.Write(frame);
        stream.Flush();
    }

    /// <summary>Reads one frame, or returns <see langword="null"/> at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">The frame is longer than <see cref="MaxPayload"/> or ends early.</exception>
    public static async Task<(byte Type, string Text)?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        var length = read == header.Length ? BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) : -1;
        if (length is < 0 or > MaxPayload)
        {
            throw new InvalidDataException(read < header.Length ? "the frame header ends early" : $"a frame of {length} bytes is over the limit of {MaxPayload}");
        }

        var payload = new byte[length];
        if (await stream.ReadAtLeastAsync(payload, length, throwOnEndOfStream: false, cancellationToken) < length)
        {
            throw new InvalidDataException("the frame ends early");
        }

        return (header[0], Encoding.UTF8.GetString(payload));
    }
}
