using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.Bench.Baselines;

/// <summary>RabbitMQ as a durable broker: persistent messages into a fresh quorum queue on 127.0.0.1:5672
/// (guest/guest), each counted once the broker has confirmed it, with many publishes in flight.</summary>
/// <remarks>A quorum queue confirms a message only after its Raft log has fsynced it. Start the broker with
/// <c>eng/services.sh rabbitmq</c>; without one the measurement is reported as not running.</remarks>
internal static class RabbitMqBaseline
{
    private const string Host = "127.0.0.1";
    private const int Port = 5672;

    // Enough unconfirmed publishes to keep the broker's fsync batches full; more only adds memory.
    private const int Window = 1024;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Publishes <paramref name="events"/> messages of <paramref name="payloadBytes"/> bytes and returns
    /// confirmed events per second, or null when no broker answers within two seconds.</summary>
    public static async Task<double?> RunAsync(int events, int payloadBytes)
    {
        var connection = await ConnectAsync();
        if (connection is null)
        {
            return null;
        }

        await using (connection)
        {
            // Our window bounds the unconfirmed publishes, so the client's own limiter is off: its default
            // (128, throttled from half of that) would add delays of its own to what is measured.
            var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: null);
            await using var channel = await connection.CreateChannelAsync(options);
            var queue = $"herald-bench-{Guid.NewGuid():N}";
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            try
            {
                var elapsed = await PublishAsync(channel, queue, events, payloadBytes);
                var declared = await channel.QueueDeclarePassiveAsync(queue);
                if (declared.MessageCount != events)
                {
                    throw new InvalidOperationException(
                        $"The RabbitMQ baseline confirmed {events} messages but queue '{queue}' holds {declared.MessageCount}.");
                }

                return events / elapsed.TotalSeconds;
            }
            finally
            {
                await channel.QueueDeleteAsync(queue);
            }
        }
    }

    private static async Task<TimeSpan> PublishAsync(IChannel channel, string queue, int events, int payloadBytes)
    {
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        var body = new byte[payloadBytes];
        var inFlight = new Queue<Task>(Window);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            if (inFlight.Count == Window)
            {
                // With tracking on, a publish completes when the broker confirms it and throws on a nack or return.
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body).AsTask());
        }

        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue();
        }

        return stopwatch.Elapsed;
    }

    private static async Task<IConnection?> ConnectAsync()
    {
        var factory = new ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            UserName = "guest",
            Password = "guest",
            RequestedConnectionTimeout = ConnectTimeout,
            HandshakeContinuationTimeout = ConnectTimeout,
            AutomaticRecoveryEnabled = false,
        };
        var connecting = factory.CreateConnectionAsync("herald-bench", CancellationToken.None);
        try
        {
            // A listener that never answers the handshake makes the client time out and then spend up to
            // 5 s more aborting; stop waiting after ConnectTimeout and let that finish in the background.
            return await connecting.WaitAsync(ConnectTimeout);
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationCanceledException or TimeoutException)
        {
            _ = connecting.ContinueWith(static t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }

                return t.Exception;
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            var reason = e is TimeoutException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : e.GetBaseException().Message;
            Console.Error.WriteLine($"RabbitMQ baseline: no broker on {Host}:{Port} ({reason}); "
                + "start one with 'eng/services.sh rabbitmq'. Reported as not running.");
            return null;
        }
    }
}
