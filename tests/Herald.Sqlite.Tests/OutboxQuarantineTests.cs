using System.Text.Json;
using Herald.Consuming;
using Herald.Events;
using Herald.Outbox;
using Herald.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Sqlite.Tests;

[Event("outbox.document-stored")]
public sealed record OutboxDocumentStored(string DocumentId, JsonElement Body);

public sealed class OutboxDocumentHandler : IEventHandler<OutboxDocumentStored>
{
    public Task HandleAsync(EventContext<OutboxDocumentStored> context) => Task.CompletedTask;
}

public sealed class OutboxQuarantineTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(62)]
    [InlineData(63)]
    public async Task PublishAsync_DeeplyNestedJsonElement_RelayedAndHandled(int depth)
    {
        using var database = new SqliteTestDatabase();
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<OutboxDocumentHandler>("archive")
            .AddEvent<OutboxDocumentStored>(e => e.PartitionKey(d => d.DocumentId))
            .UseSqliteOutbox(database.StoreOptions));
        using var body = JsonDocument.Parse(new string('[', depth) + new string(']', depth));
        await using (var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(Cancellation);
            await harness.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(transaction, new OutboxDocumentStored("doc-1", body.RootElement), cancellationToken: Cancellation);
            await transaction.CommitAsync(Cancellation);
        }

        Assert.Equal(1, await harness.Services.GetRequiredService<OutboxRelay>().RelayOnceAsync(Cancellation));
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        var handled = (OutboxDocumentStored)Assert.Single(harness.Handled).Event;
        Assert.Equal(body.RootElement.GetRawText(), handled.Body.GetRawText());
        Assert.Equal(new OutboxStatistics(0, TimeSpan.Zero, 0), await harness.Services.GetRequiredService<IOutboxStore>().GetStatisticsAsync(Cancellation));
    }

    [Fact]
    public async Task RelayOnceAsync_UnreadableRow_QuarantinedWithAnErrorNamingItAndTheRowsBehindItGoOut()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new SqliteOutboxStore(database.StoreOptions, time);
        var transport = new RecordingTransport();
        var logger = new ListLogger();
        var relay = Relay(store, transport, time, logger);
        await OutboxTestData.AddAsync(database.StoreOptions, store, [Entry("a", 1), Entry("b", 2), Entry("b", 3), Entry("c", 4), Entry(null, 5)], Cancellation);
        var damagedId = await DamageAsync(database.StoreOptions, sequence: 2);

        Assert.Equal(3, await relay.RelayOnceAsync(Cancellation));
        time.Advance(new OutboxOptions().Lease);
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation));

        // Key b's later row waits behind its quarantined row; every other key went out, in one round.
        Assert.Equal([1L, 4L, 5L], transport.Sent.Select(s => s.Envelope.Sequence!.Value));
        Assert.Equal(new OutboxStatistics(1, new OutboxOptions().Lease, 1), await store.GetStatisticsAsync(Cancellation));
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"outbox row {damagedId} ", error.Message, StringComparison.Ordinal);
        Assert.IsType<EventFormatException>(error.Exception);
        Assert.StartsWith("Herald.Events.EventFormatException: ", await ReasonAsync(database.StoreOptions, damagedId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayOnceAsync_TransportRejectsTheEvent_QuarantinedButATransientFailureStillStopsTheBatchInOrder()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new SqliteOutboxStore(database.StoreOptions, time);
        var transport = new RecordingTransport();
        var relay = Relay(store, transport, time, new ListLogger());
        var entries = new[] { Entry("a", 1), Entry("b", 2), Entry("a", 3), Entry("c", 4), Entry("c", 5) };
        transport.Reject(entries[1].Envelope.EventId);
        transport.FailAttempt(4); // the send of row 4: the broker is unreachable for a moment
        await OutboxTestData.AddAsync(database.StoreOptions, store, entries, Cancellation);

        await Assert.ThrowsAsync<IOException>(() => relay.RelayOnceAsync(Cancellation));
        Assert.Equal(new OutboxStatistics(2, TimeSpan.Zero, 1), await store.GetStatisticsAsync(Cancellation));
        time.Advance(new OutboxOptions().Lease);
        Assert.Equal(2, await relay.RelayOnceAsync(Cancellation));

        Assert.Equal([1L, 3L, 4L, 5L], transport.Sent.Select(s => s.Envelope.Sequence!.Value));
        Assert.Equal(new OutboxStatistics(0, TimeSpan.Zero, 1), await store.GetStatisticsAsync(Cancellation));
        Assert.StartsWith("System.ArgumentException: ", await ReasonAsync(database.StoreOptions, 2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_OutboxTableFromBeforeQuarantine_GainsTheColumnsAndKeepsItsRows()
    {
        using var database = new SqliteTestDatabase();
        var table = database.StoreOptions.OutboxTable;
        await ExecuteAsync(database.StoreOptions, $"""
            CREATE TABLE {table} (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, partition_key TEXT NULL, envelope TEXT NOT NULL,
                created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT NULL, lease_expires_at INTEGER NULL, dispatched_at INTEGER NULL);
            """);
        var store = new SqliteOutboxStore(database.StoreOptions, new FakeTimeProvider(Start));
        await ExecuteAsync(database.StoreOptions, $"INSERT INTO {table} (topic, envelope, created_at) VALUES ('t', '{System.Text.Encoding.UTF8.GetString(CloudEventJson.ToUtf8Bytes(Entry("a", 1).Envelope))}', {Start.UtcTicks});");

        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);

        Assert.Equal(1L, Assert.Single(await store.ClaimAsync("relay-a", 10, TimeSpan.FromSeconds(30), Cancellation)).Envelope.Sequence);
    }

    private static OutboxEntry Entry(string? key, long sequence) => OutboxTestData.Entry(key, sequence, Start);

    private static OutboxRelay Relay(IOutboxStore store, RecordingTransport transport, TimeProvider time, ILogger logger)
    {
        var options = new OutboxOptions { RelayId = "relay-" + Guid.NewGuid().ToString("N") };
        return new OutboxRelay(store, transport, options, time, logger);
    }

    private static async Task<SqliteTestDatabase> CreateDatabaseAsync()
    {
        var database = new SqliteTestDatabase();
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        return database;
    }

    private static async Task<long> DamageAsync(SqliteStoreOptions options, long sequence)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {options.OutboxTable} SET envelope = '[1,2' WHERE envelope LIKE $pattern RETURNING id;";
        command.Parameters.AddWithValue("$pattern", $"%\"sequence\":\"{sequence}\"%");
        return (long)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static async Task<string> ReasonAsync(SqliteStoreOptions options, long id)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT quarantine_reason FROM {options.OutboxTable} WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return (string)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static async Task ExecuteAsync(SqliteStoreOptions options, string sql)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}

/// <summary>Keeps every log entry, with its level, message and exception.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, string Message, Exception? Exception)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _entries.Add((logLevel, formatter(state, exception), exception));
        }
    }
}
