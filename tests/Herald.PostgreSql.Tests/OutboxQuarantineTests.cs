using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Outbox;
using Herald.Transports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.PostgreSql.Tests;

public sealed class OutboxQuarantineTests(PostgreSqlServer server)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RelayOnceAsync_UnreadableRow_QuarantinedAndTheRowsBehindItGoOutExceptLaterRowsOfItsKey()
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var time = new FakeTimeProvider(OutboxTestData.Start);
        var store = new PostgreSqlOutboxStore(options, time);
        var transport = new SentSequences();
        var relay = new OutboxRelay(store, transport, new OutboxOptions { RelayId = "relay-q" }, time, NullLogger.Instance);
        await OutboxTestData.AddAsync(server.DataSource, store, [OutboxTestData.Entry("a", 1), OutboxTestData.Entry("b", 2), OutboxTestData.Entry("b", 3), OutboxTestData.Entry(null, 4)], Cancellation);
        var table = $"\"{options.Schema}\".{options.OutboxTable}";
        var damagedId = (long)(await OutboxTestData.ScalarAsync(server.DataSource, $"UPDATE {table} SET envelope = '[1,2' WHERE envelope LIKE '%\"sequence\":\"2\"%' RETURNING id", Cancellation))!;

        Assert.Equal(2, await relay.RelayOnceAsync(Cancellation));
        time.Advance(new OutboxOptions().Lease);
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation));

        Assert.Equal([1L, 4L], transport.Sequences);
        Assert.Equal(new OutboxStatistics(1, new OutboxOptions().Lease, 1), await store.GetStatisticsAsync(Cancellation));
        var reason = (string)(await OutboxTestData.ScalarAsync(server.DataSource, $"SELECT quarantine_reason FROM {table} WHERE id = {damagedId}", Cancellation))!;
        Assert.StartsWith("Herald.Events.EventFormatException: ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_OutboxTableFromBeforeQuarantine_GainsTheColumnsAndKeepsItsRows()
    {
        var options = server.NewOptions();
        var table = $"\"{options.Schema}\".{options.OutboxTable}";
        var envelope = System.Text.Encoding.UTF8.GetString(CloudEventJson.ToUtf8Bytes(OutboxTestData.Entry("a", 1).Envelope));
        await OutboxTestData.ScalarAsync(server.DataSource, $"""
            CREATE SCHEMA "{options.Schema}";
            CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, topic text NOT NULL, partition_key text NULL,
                envelope text NOT NULL, created_at timestamptz NOT NULL, attempts integer NOT NULL DEFAULT 0, lease_owner text NULL,
                lease_expires_at timestamptz NULL, dispatched_at timestamptz NULL);
            INSERT INTO {table} (topic, partition_key, envelope, created_at) VALUES ('t', 'a', '{envelope}', now());
            """, Cancellation);

        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);

        var store = new PostgreSqlOutboxStore(options, TimeProvider.System);
        Assert.Equal(1L, Assert.Single(await store.ClaimAsync("relay-a", 10, TimeSpan.FromSeconds(30), Cancellation)).Envelope.Sequence);
    }

    /// <summary>Records the sequence numbers of the events sent, in order.</summary>
    private sealed class SentSequences : ITransport
    {
        public List<long> Sequences { get; } = [];

        public string MessagingSystem => "test.sequences";

        public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

        public ISequencePositionStore? SequencePositions => null;

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            ConcurrentSends.SendAsync(this, topic, envelopes, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            new((IReadOnlyList<PartitionLag>?)null);

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
        {
            Sequences.Add(envelope.Sequence!.Value);
            return ValueTask.CompletedTask;
        }

        public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("This transport only sends.");
    }
}
