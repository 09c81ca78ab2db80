using Herald.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Herald.Bench.Transports;

/// <summary>Herald.Nats against the JetStream server of <c>eng/services.sh nats</c>: fresh stream, subject and bucket names
/// per run, every stream named after the run deleted after it.</summary>
internal static class NatsCase
{
    private const string Url = "nats://127.0.0.1:4222";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public static TransportCase Create() => new(
        "nats", "NATS JetStream",
        "PubAck: written to the stream's file store; NATS 2.9 fsyncs on a timer, not per ack",
        ProbeAsync,
        (h, name) => h.UseNats(o =>
        {
            o.Url = Url;
            o.PartitionsPerTopic = TransportCases.Partitions;
            o.StreamPrefix = name;
            o.SubjectPrefix = name;
            o.DeadLetterBucket = $"{name}-dead-letters";
            o.SequenceBucket = $"{name}-sequences";
        }),
        CleanUpAsync);

    private static async Task<string?> ProbeAsync()
    {
        await using var connection = Connection();
        try
        {
            await connection.ConnectAsync();
            await new NatsJSContext(connection).GetAccountInfoAsync();
            return null;
        }
        catch (NatsException e)
        {
            return $"no JetStream server on {Url} ({e.GetBaseException().Message}); start one with 'eng/services.sh nats'";
        }
    }

    /// <summary>Deletes every stream whose name holds the run's name: the topic's, the redrive topic's and the key-value buckets' (<c>KV_…</c>).</summary>
    private static async Task CleanUpAsync(string name)
    {
        await using var connection = Connection();
        var jetStream = new NatsJSContext(connection);
        var streams = new List<string>();
        await foreach (var stream in jetStream.ListStreamNamesAsync())
        {
            if (stream.Contains(name, StringComparison.Ordinal))
            {
                streams.Add(stream);
            }
        }

        foreach (var stream in streams)
        {
            await jetStream.DeleteStreamAsync(stream);
        }
    }

    private static NatsConnection Connection() =>
        new(new NatsOpts { Url = Url, Name = "herald-bench-admin", ConnectTimeout = ConnectTimeout });
}
