using Herald.DeadLetters;
using Herald.RabbitMQ;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.Bench.Transports;

/// <summary>Herald.RabbitMQ against the broker of <c>eng/services.sh rabbitmq</c>: a fresh name prefix per run, its
/// exchanges and quorum queues deleted after it.</summary>
internal static class RabbitMQCase
{
    private static readonly Uri Broker = new("amqp://guest:guest@127.0.0.1:5672/");
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public static TransportCase Create() => new(
        "rabbitmq", "RabbitMQ",
        "confirmed: in every bound quorum queue's fsynced Raft log",
        ProbeAsync,
        (h, name) => h.UseRabbitMQ(o =>
        {
            o.Uri = Broker;
            o.Partitions = TransportCases.Partitions;
            o.NamePrefix = Prefix(name);
            o.ClientName = "herald-bench";
        }),
        CleanUpAsync);

    private static string Prefix(string name) => $"{name}.";

    private static async Task<string?> ProbeAsync()
    {
        try
        {
            await using var connection = await ConnectAsync();
            return null;
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationCanceledException or TimeoutException)
        {
            var reason = e is TimeoutException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : e.GetBaseException().Message;
            return $"no broker on {Broker.Host}:{Broker.Port} ({reason}); start one with 'eng/services.sh rabbitmq'";
        }
    }

    /// <summary>Deletes what Herald.RabbitMQ declares for the bench's topic and group, the group's redrive topic included,
    /// and the dead-letter stream (queue.delete of a missing queue is a no-op).</summary>
    private static async Task CleanUpAsync(string name)
    {
        var prefix = Prefix(name);
        var topic = BenchEvent.EventName;
        string[] topics = [topic, DeadLetterQueues.RedriveTopic(topic, EndToEndRun.Group)];
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var t in topics)
        {
            await RabbitMQTopology.DeleteAsync(channel, prefix, t, [EndToEndRun.Group], TransportCases.Partitions);
        }

        await channel.QueueDeleteAsync(RabbitMQNames.DeadLetterStream(prefix), ifUnused: false, ifEmpty: false);
    }

    private static async Task<IConnection> ConnectAsync()
    {
        var factory = new ConnectionFactory
        {
            Uri = Broker,
            RequestedConnectionTimeout = ConnectTimeout,
            HandshakeContinuationTimeout = ConnectTimeout,
            AutomaticRecoveryEnabled = false,
        };
        var connecting = factory.CreateConnectionAsync("herald-bench-admin", CancellationToken.None);
        try
        {
            // A listener that never answers the handshake makes the client time out and then spend up to 5 s more
            // aborting; stop waiting after ConnectTimeout and let that finish in the background.
            return await connecting.WaitAsync(ConnectTimeout);
        }
        catch (TimeoutException)
        {
            _ = connecting.ContinueWith(static t => t.IsCompletedSuccessfully ? t.Result.DisposeAsync().AsTask() : Task.CompletedTask,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
    }
}
