using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Herald.Bench.Baselines;

/// <summary>The in-process floor: events through a bounded <see cref="Channel{T}"/>, one producer, one consumer,
/// as objects or serialized and deserialized with System.Text.Json.</summary>
internal static class ChannelBaseline
{
    public static async Task<double> RunAsync(long events, int payloadBytes, bool json)
    {
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        long checksum = 0;
        var consumer = Task.Run(async () =>
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var item))
                {
                    var received = json ? JsonSerializer.Deserialize<BenchEvent>((byte[])item)! : (BenchEvent)item;
                    checksum += received.Id;
                }
            }
        });

        var stopwatch = Stopwatch.StartNew();
        var writer = channel.Writer;
        for (long i = 0; i < events; i++)
        {
            var item = BenchEvent.Create(i, payloadBytes);
            object message = json ? JsonSerializer.SerializeToUtf8Bytes(item) : item;
            if (!writer.TryWrite(message))
            {
                await writer.WriteAsync(message);
            }
        }

        writer.Complete();
        await consumer;
        stopwatch.Stop();
        if (checksum != events * (events - 1) / 2)
        {
            throw new InvalidOperationException("The channel baseline lost events.");
        }

        return events / stopwatch.Elapsed.TotalSeconds;
    }
}
