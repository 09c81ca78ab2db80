using Herald.Conformance.DeadLetters;
using Herald.DeadLetters;
using Herald.Nats.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Tests;

public sealed class NatsDeadLetterStoreConformanceTests(NatsDeadLetterStoreFixture fixture) : DurableDeadLetterStoreConformance<NatsDeadLetterStoreFixture>(fixture);

/// <summary>Hands each test a dead-letter bucket of its own; the server fixture deletes the run's buckets.</summary>
public sealed class NatsDeadLetterStoreFixture(NatsServer server) : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) =>
        new(new Storage(new NatsJSContext(server.Connection), server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The bucket; raw values are put under the keys an earlier version, or damage, would leave.</summary>
    private sealed class Storage(NatsJSContext jetStream, NatsTransportOptions options) : IDeadLetterStorage
    {

        public async ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken)
        {
            var store = new NatsDeadLetterStore(jetStream, options, new FakeTimeProvider(), NullLogger.Instance);
            await store.GetAllAsync(cancellationToken); // creates the bucket
            return store;
        }

        public ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken) =>
            PutAsync($"{NatsNames.Token(letter.Group)}.{NatsNames.Token(letter.EventId)}", json, cancellationToken);

        public ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken) =>
            PutAsync($"{NatsNames.Token(group)}.{NatsNames.Token(name)}", value, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async ValueTask PutAsync(string key, byte[] value, CancellationToken cancellationToken)
        {
            await OpenAsync(cancellationToken);
            var bucket = await new NatsKVContext(jetStream).GetStoreAsync(options.DeadLetterBucket, cancellationToken);
            await bucket.PutAsync(key, value, cancellationToken: cancellationToken);
        }
    }
}
