using System.Buffers.Binary;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

/// <summary>Malformed frames at every reader: valid frames of every request (and response) at every version, truncated,
/// with bytes changed, inserted or removed, with lengths and counts replaced by hostile ones, or followed by noise.
/// Only a successful read or a <see cref="KafkaProtocolException"/> may come out.</summary>
public sealed class RequestFuzzTests
{
    private const int Seed = 17;

    private static readonly byte[][] HostileValues =
    [
        [0xFF, 0xFF], [0x7F, 0xFF], [0x80, 0x00], [0xFF, 0xFE],
        [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFE], [0x7F, 0xFF, 0xFF, 0xFF], [0x80, 0x00, 0x00, 0x00], [0x00, 0x10, 0x00, 0x00],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80], [0x00], [0x01],
    ];

    [Fact]
    public void ReadRequest_MalformedFrames_ThrowOnlyKafkaProtocolException()
    {
        var random = new Random(Seed);
        var (frames, rejected) = (0, 0);
        foreach (var message in MessageSamples.All.Where(m => m.Kind == "request"))
        {
            foreach (var version in message.Versions)
            {
                var valid = Enumerable.Range(0, 4).Select(seed => RequestFrame(message, version, seed)).ToArray();
                for (var i = 0; i < 200; i++)
                {
                    var (mutation, frame) = Mutate(random, valid[i % valid.Length]);
                    frames++;
                    rejected += Rejects(() => KafkaFrames.ReadRequest(frame), $"{message.Name} v{version}, {mutation}", frame) ? 1 : 0;
                }
            }
        }

        Assert.True(frames >= 20_000, $"{frames} frames");
        Assert.True(rejected > frames / 2, $"only {rejected} of {frames} frames were rejected: the mutations are too gentle");
    }

    [Fact]
    public void ReadRequest_RandomBytesAfterAServedApiAndVersion_ThrowOnlyKafkaProtocolException()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 5_000; i++)
        {
            var api = ApiKeys.All[random.Next(ApiKeys.All.Count)];
            var frame = new byte[4 + random.Next(0, 96)];
            random.NextBytes(frame);
            BinaryPrimitives.WriteInt16BigEndian(frame, (short)api.Api);
            BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(2), (short)random.Next(api.LowestVersion, api.HighestVersion + 1));

            Rejects(() => KafkaFrames.ReadRequest(frame), $"random {api.Api}", frame);
        }
    }

    [Fact]
    public void ReadResponse_MalformedBodies_ThrowOnlyKafkaProtocolException()
    {
        var random = new Random(Seed);
        foreach (var message in MessageSamples.All.Where(m => m.Kind == "response"))
        {
            foreach (var version in message.Versions)
            {
                using var writer = new KafkaWriter();
                message.Sample(new SampleSource(version), version).Write(writer, version);
                var valid = writer.WrittenSpan.ToArray();
                for (var i = 0; i < 40; i++)
                {
                    var (mutation, body) = Mutate(random, valid);
                    Rejects(
                        () =>
                        {
                            var reader = new KafkaReader(body);
                            return ApiKeys.ReadResponse(ref reader, message.Api!.Value, version);
                        },
                        $"{message.Name} v{version}, {mutation}",
                        body);
                }
            }
        }
    }

    private static byte[] RequestFrame(MessageCase message, short version, int seed)
    {
        var header = new RequestHeader { RequestApiKey = (short)message.Api!, RequestApiVersion = version, CorrelationId = seed, ClientId = "fuzz" };
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, header, (IKafkaRequest)message.Sample(new SampleSource(seed), version));
        return writer.WrittenSpan[4..].ToArray();
    }

    /// <summary>Returns whether <paramref name="read"/> rejected the frame; fails the test on any other exception.</summary>
    private static bool Rejects(Func<object> read, string what, byte[] frame)
    {
        try
        {
            read();
            return false;
        }
        catch (KafkaProtocolException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Problem), $"{what}: a rejection without a problem");
            return true;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} from {Convert.ToHexString(frame)}\n{e}");
            throw;
        }
    }

    private static (string Mutation, byte[] Frame) Mutate(Random random, byte[] valid)
    {
        // Past the API key and version most of the time, so that the body's reader, not the header check, meets the damage.
        int At(int extra = 0) => valid.Length <= 4 ? 0 : random.Next(random.Next(5) == 0 ? 0 : 4, valid.Length + extra);
        var frame = (byte[])valid.Clone();
        switch (random.Next(6))
        {
            case 0:
                return ("truncated", valid[..random.Next(valid.Length)]);
            case 1:
                for (var n = random.Next(1, 5); n > 0 && frame.Length > 0; n--)
                {
                    frame[At()] = (byte)random.Next(256);
                }

                return ("bytes changed", frame);
            case 2:
                var hostile = HostileValues[random.Next(HostileValues.Length)];
                var at = At();
                hostile.AsSpan(0, Math.Min(hostile.Length, frame.Length - at)).CopyTo(frame.AsSpan(at));
                return ($"{Convert.ToHexString(hostile)} at {at}", frame);
            case 3:
                var insert = new byte[random.Next(1, 9)];
                random.NextBytes(insert);
                var place = At(1);
                return ("bytes inserted", [.. valid[..place], .. insert, .. valid[place..]]);
            case 4:
                var start = At();
                var end = Math.Min(valid.Length, start + random.Next(1, 9));
                return ("bytes removed", [.. valid[..start], .. valid[end..]]);
            default:
                var noise = new byte[random.Next(1, 64)];
                random.NextBytes(noise);
                return ("noise after a prefix", [.. valid[..At()], .. noise]);
        }
    }
}
