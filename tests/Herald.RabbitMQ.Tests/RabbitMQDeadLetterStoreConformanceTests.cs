using Herald.Conformance.DeadLetters;
using Herald.DeadLetters;
using Herald.RabbitMQ.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Tests;

public sealed class RabbitMQDeadLetterStoreConformanceTests(RabbitMQDeadLetterStoreFixture fixture) : DeadLetterStoreConformance<RabbitMQDeadLetterStoreFixture>(fixture);

/// <summary>Hands each test a dead-letter stream of its own on the shared connection, deleted after the test.</summary>
public sealed class RabbitMQDeadLetterStoreFixture(RabbitMQBroker broker) : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) =>
        new(new Storage(broker.Connection, $"herald-test.{Guid.NewGuid():N}.dead-letters"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The stream; raw records are published to it as the store's own writes are, with a key header.</summary>
    private sealed class Storage(IConnection connection, string stream) : IDeadLetterStorage
    {
        private readonly List<RabbitMQDeadLetterStore> _opened = [];

        public bool IsDurable => true;

        public async ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken)
        {
            var store = new RabbitMQDeadLetterStore(_ => ValueTask.FromResult(connection), stream, NullLogger.Instance);
            _opened.Add(store);
            await store.GetAllAsync(cancellationToken); // replays the stream to its end
            return store;
        }

        public ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken) =>
            PublishAsync($"{letter.Group}\n{letter.EventId}", json, cancellationToken);

        public ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken) =>
            PublishAsync($"{group}\n{name}", value, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            foreach (var store in _opened)
            {
                await store.DisposeAsync();
            }

            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(stream);
        }

        private async ValueTask PublishAsync(string key, byte[] body, CancellationToken cancellationToken)
        {
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
            await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: cancellationToken);
            var properties = new BasicProperties
            {
                DeliveryMode = DeliveryModes.Persistent,
                Headers = new Dictionary<string, object?> { ["herald-key"] = key, ["herald-writer"] = "an-earlier-version" },
            };
            await channel.BasicPublishAsync(string.Empty, stream, mandatory: true, properties, body, cancellationToken);
        }
    }
}
