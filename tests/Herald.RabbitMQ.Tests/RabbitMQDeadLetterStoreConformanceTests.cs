using Herald.Conformance.DeadLetters;
using Herald.DeadLetters;
using Herald.RabbitMQ.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Tests;

public sealed class RabbitMQDeadLetterStoreConformanceTests(RabbitMQDeadLetterStoreFixture fixture) : DurableDeadLetterStoreConformance<RabbitMQDeadLetterStoreFixture>(fixture);

/// <summary>Hands each test a dead-letter stream of its own, on a connection of its own, both deleted after the test.</summary>
/// <remarks>The stores open and close channels as a restarted process would; on a connection of their own that churn
/// cannot disturb the other tests' channels on the shared one.</remarks>
public sealed class RabbitMQDeadLetterStoreFixture(RabbitMQBroker broker) : IDeadLetterStoreFixture
{
    public async ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken)
    {
        _ = broker.Connection; // skips, or fails on CI, when the broker is unreachable
        var connection = await RabbitMQTransport.CreateConnectionFactory(RabbitMQBroker.NewOptions()).CreateConnectionAsync("herald-dlq-conformance", cancellationToken);
        return new Storage(connection, $"herald-test.{Guid.NewGuid():N}.dead-letters");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The stream; raw records are published to it as the store's own writes are, with a key header.</summary>
    private sealed class Storage(IConnection connection, string stream) : IDeadLetterStorage
    {
        private readonly List<RabbitMQDeadLetterStore> _opened = [];


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
            // The stream goes first, on a channel opened while the stores' are still open: a channel opened after they
            // close could take the number of one whose last acknowledgement is still on its way, which the broker
            // answers by closing the connection.
            await using (var channel = await connection.CreateChannelAsync())
            {
                await channel.QueueDeleteAsync(stream);
            }

            foreach (var store in _opened)
            {
                await store.DisposeAsync();
            }

            await connection.DisposeAsync();
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
