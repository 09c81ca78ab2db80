using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.Events;
using Herald.Outbox;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Sqlite.Tests;

[Event("outbox.order-revised")]
public sealed record OrderRevised(string OrderId, int Revision);

public sealed class RevisionLog
{
    public List<(string OrderId, int Revision, long? Sequence)> Seen { get; } = [];
}

public sealed class RevisionHandler(RevisionLog log) : IEventHandler<OrderRevised>
{
    public Task HandleAsync(EventContext<OrderRevised> context)
    {
        lock (log)
        {
            log.Seen.Add((context.Event.OrderId, context.Event.Revision, context.Envelope.Sequence));
        }

        return Task.CompletedTask;
    }
}

/// <summary>SequencePerKey: the outbox numbers a key's events in the publishing transaction, gap-free across rollbacks.</summary>
public sealed class SequencePerKeyTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<HeraldTestHarness> CreateAsync(SqliteTestDatabase database, RevisionLog log)
    {
        var harness = HeraldTestHarness.Create(
            h => h
                .AddEvent<OrderRevised>(e => e.PartitionKey(o => o.OrderId).SequencePerKey())
                .AddHandler<RevisionHandler>("billing")
                .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions())
                .UseSqliteOutbox(database.StoreOptions),
            s => s.AddSingleton(log));
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        return harness;
    }

    private static async Task<EventEnvelope> PublishAsync(HeraldTestHarness harness, SqliteTestDatabase database, OrderRevised revised, bool commit = true)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(Cancellation);
        var envelope = await harness.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(transaction, revised, cancellationToken: Cancellation);
        if (commit)
        {
            await transaction.CommitAsync(Cancellation);
        }
        else
        {
            await transaction.RollbackAsync(Cancellation);
        }

        return envelope;
    }

    [Fact]
    public async Task OutboxPublishes_NumberedPerKeyFromOne_RollbackLeavesNoGap_ConsumerHandlesInOrder()
    {
        using var database = new SqliteTestDatabase();
        var log = new RevisionLog();
        await using var harness = await CreateAsync(database, log);

        Assert.Equal(1, (await PublishAsync(harness, database, new OrderRevised("a", 1))).Sequence);
        Assert.Equal(1, (await PublishAsync(harness, database, new OrderRevised("b", 1))).Sequence);
        Assert.Equal(2, (await PublishAsync(harness, database, new OrderRevised("a", 99), commit: false)).Sequence);
        Assert.Equal(2, (await PublishAsync(harness, database, new OrderRevised("a", 2))).Sequence);
        Assert.Equal(3, (await PublishAsync(harness, database, new OrderRevised("a", 3))).Sequence);

        var relay = harness.Services.GetRequiredService<OutboxRelay>();
        while (await relay.RelayOnceAsync(Cancellation) > 0)
        {
        }

        await harness.ProcessPendingAsync(cancellationToken: Cancellation);
        Assert.Equal([("a", 1, 1L), ("a", 2, 2L), ("a", 3, 3L)], log.Seen.Where(s => s.OrderId == "a").Select(s => (s.OrderId, s.Revision, s.Sequence!.Value)));
        Assert.Single(log.Seen, s => s.OrderId == "b");
    }

    [Fact]
    public async Task PublishedWithoutTheOutbox_RefusedNamingTheWayOut()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateAsync(database, new RevisionLog());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.PublishAsync(new OrderRevised("a", 1)).AsTask());

        Assert.Contains("'outbox.order-revised'", error.Message, StringComparison.Ordinal);
        Assert.Contains("IOutboxPublisher", error.Message, StringComparison.Ordinal);
        var explicitSequence = await harness.PublishAsync(new OrderRevised("a", 1), new PublishOptions { Sequence = 7 });
        Assert.Equal(7, explicitSequence.Sequence);
    }

    [Fact]
    public void SequenceSelectorAndSequencePerKey_StartFailsNamingTheEvent()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h => h
            .AddEvent<OrderRevised>(e => e.PartitionKey(o => o.OrderId).Sequence(o => o.Revision).SequencePerKey())
            .AddHandler<RevisionHandler>("billing")));

        Assert.Contains("'outbox.order-revised'", error.Message, StringComparison.Ordinal);
    }
}
