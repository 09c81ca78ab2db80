using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Herald.Bench.Baselines;

/// <summary>NATS JetStream as a durable broker: messages into a fresh file-backed stream on 127.0.0.1:4222,
/// each counted once JetStream has acknowledged it, with many publishes in flight.</summary>
/// <remarks>NATS 2.9 acknowledges once the message is written to the stream's file, before an fsync (it fsyncs
/// on a timer), so this is a weaker guarantee than RabbitMQ's quorum queue. Start the server with
/// <c>eng/services.sh nats</c>; without one the measurement is reported as not running.</remarks>
internal static class NatsBaseline
{
    private const string Url = "nats://127.0.0.1:4222";

    // Enough unacknowledged publishes to hide the round trip; more only adds memory.
    private const int Window = 1024;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Publishes <paramref name="events"/> messages of <paramref name="payloadBytes"/> bytes and returns
    /// acknowledged events per second, or null when no server answers within two seconds.</summary>
    public static async Task<double?> RunAsync(int events, int payloadBytes)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Url, Name = "herald-bench", ConnectTimeout = ConnectTimeout });
        try
        {
            await connection.ConnectAsync();
        }
        catch (NatsException e)
        {
            Console.Error.WriteLine($"NATS baseline: no server on {Url} ({e.GetBaseException().Message}); "
                + "start one with 'eng/services.sh nats'. Reported as not running.");
            return null;
        }

        var jetStream = new NatsJSContext(connection);
        var name = $"herald-bench-{Guid.NewGuid():N}";
        var subject = $"herald.bench.{name}";
        await jetStream.CreateStreamAsync(new StreamConfig(name, [subject]) { Storage = StreamConfigStorage.File });
        try
        {
            var elapsed = await PublishAsync(jetStream, subject, events, payloadBytes);
            var stream = await jetStream.GetStreamAsync(name);
            if (stream.Info.State.Messages != events)
            {
                throw new InvalidOperationException(
                    $"The NATS baseline had {events} messages acknowledged but stream '{name}' holds {stream.Info.State.Messages}.");
            }

            return events / elapsed.TotalSeconds;
        }
        finally
        {
            await jetStream.DeleteStreamAsync(name);
        }
    }

    private static async Task<TimeSpan> PublishAsync(NatsJSContext jetStream, string subject, int events, int payloadBytes)
    {
        var body = new byte[payloadBytes];
        var inFlight = new Queue<Task<PubAckResponse>>(Window);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            if (inFlight.Count == Window)
            {
                (await inFlight.Dequeue()).EnsureSuccess();
            }

            inFlight.Enqueue(jetStream.PublishAsync(subject, body).AsTask());
        }

        while (inFlight.Count > 0)
        {
            (await inFlight.Dequeue()).EnsureSuccess();
        }

        return stopwatch.Elapsed;
    }
}
