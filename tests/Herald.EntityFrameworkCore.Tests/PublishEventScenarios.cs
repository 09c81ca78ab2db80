using Herald.Publishing;
using Microsoft.EntityFrameworkCore;

namespace Herald.EntityFrameworkCore.Tests;

/// <summary>The DbContext outbox scenarios every database must pass; each database adds a one-line subclass.</summary>
public abstract class PublishEventScenarios
{
    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>Creates a harness over an empty database: no orders, no outbox rows.</summary>
    private protected abstract Task<ShopHarness> CreateHarnessAsync();

    [Fact]
    public async Task SaveChangesAsync_EntityAndTwoEvents_CommittedTogetherAndDeliveredOnceInOrder()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            db.PublishEvent(new OrderPaid("A-1", 42m));
            Assert.Equal(0, await shop.UndispatchedAsync(Cancellation)); // queued on the context, not written
            await db.SaveChangesAsync(Cancellation);
        }

        Assert.Equal(["A-1"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(2, await shop.UndispatchedAsync(Cancellation));
        Assert.Equal(2, await shop.RelayAsync(Cancellation));
        Assert.Equal(0, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-1"), new OrderPaid("A-1", 42m)], shop.Audited());
        Assert.All(shop.Herald.Handled, h => Assert.Equal("A-1", h.Envelope.PartitionKey));
    }

    [Fact]
    public async Task SaveChangesAsync_UniqueViolation_NothingCommittedAndRetryDeliversOnce()
    {
        await using var shop = await CreateHarnessAsync();
        await using (var scope = shop.CreateScope())
        {
            ShopHarness.Db(scope).Orders.Add(new Order { Number = "A-1" });
            await ShopHarness.Db(scope).SaveChangesAsync(Cancellation);
        }

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            var order = new Order { Number = "A-1" };
            db.Orders.Add(order);
            db.PublishEvent(new OrderPlaced("A-2"), new PublishOptions { EventId = "placed-a-2" });
            db.PublishEvent(new OrderPaid("A-2", 7m));

            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Cancellation));
            Assert.Equal(0, await shop.UndispatchedAsync(Cancellation));
            Assert.Equal(0, await shop.RelayAsync(Cancellation));
            Assert.Empty(shop.Herald.Handled);

            order.Number = "A-2";
            await db.SaveChangesAsync(Cancellation);
        }

        Assert.Equal(["A-1", "A-2"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(2, await shop.RelayAsync(Cancellation));
        Assert.Equal(0, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-2"), new OrderPaid("A-2", 7m)], shop.Audited());
        Assert.Equal("placed-a-2", shop.Herald.Handled[0].Envelope.EventId);
    }

    [Fact]
    public async Task SaveChangesAsync_OutboxWriteFails_EntityNotCommittedAndRetryCommitsBoth()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE herald_outbox RENAME TO herald_outbox_away", Cancellation);

            await Assert.ThrowsAnyAsync<Exception>(() => db.SaveChangesAsync(Cancellation));
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE herald_outbox_away RENAME TO herald_outbox", Cancellation);
            Assert.Empty(await shop.OrderNumbersAsync(Cancellation)); // the outbox write failed inside the entities' transaction

            await db.SaveChangesAsync(Cancellation); // the order is still Added and the event still queued
        }

        Assert.Equal(["A-1"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(1, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-1")], shop.Audited());
    }

    [Fact]
    public async Task SaveChangesAsync_CallerTransactionRolledBack_NothingDelivered()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Cancellation);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            await db.SaveChangesAsync(Cancellation);
            await transaction.RollbackAsync(Cancellation);
        }

        Assert.Empty(await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(0, await shop.UndispatchedAsync(Cancellation));
        Assert.Equal(0, await shop.RelayAsync(Cancellation));
        Assert.Empty(shop.Herald.Handled);
    }

    [Fact]
    public async Task SaveChangesAsync_CallerTransactionCommitted_DeliveredAfterCommitOnly()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Cancellation);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            await db.SaveChangesAsync(Cancellation);
            db.Orders.Add(new Order { Number = "A-2" });
            db.PublishEvent(new OrderPlaced("A-2"));
            await db.SaveChangesAsync(Cancellation);
            Assert.Equal(0, await shop.UndispatchedAsync(Cancellation)); // written, but invisible until the commit
            await transaction.CommitAsync(Cancellation);
        }

        Assert.Equal(["A-1", "A-2"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(2, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-1"), new OrderPlaced("A-2")], shop.Audited());
    }

    [Fact]
    public async Task SaveChangesAsync_FailedInCallerTransactionThenRetried_WritesEachEventOnce()
    {
        await using var shop = await CreateHarnessAsync();
        await using (var scope = shop.CreateScope())
        {
            ShopHarness.Db(scope).Orders.Add(new Order { Number = "A-1" });
            await ShopHarness.Db(scope).SaveChangesAsync(Cancellation);
        }

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Cancellation);
            var order = new Order { Number = "A-1" };
            db.Orders.Add(order);
            db.PublishEvent(new OrderPlaced("A-2"));

            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Cancellation));
            order.Number = "A-2";
            await db.SaveChangesAsync(Cancellation); // EF Core rolled back to its savepoint: the transaction is still usable
            await transaction.CommitAsync(Cancellation);
        }

        Assert.Equal(["A-1", "A-2"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(1, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-2")], shop.Audited());
    }

    [Fact]
    public async Task SaveChanges_Synchronous_CommitsEntityAndEvents()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            db.SaveChanges();
        }

        Assert.Equal(1, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-1")], shop.Audited());
    }

    [Fact]
    public async Task SaveChangesAsync_EventsWithoutEntityChanges_WrittenAndDelivered()
    {
        await using var shop = await CreateHarnessAsync();

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.PublishEvent(new OrderPaid("A-1", 1m));
            await db.SaveChangesAsync(Cancellation);
            await db.SaveChangesAsync(Cancellation); // the batch was forgotten once committed
        }

        Assert.Equal(1, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPaid("A-1", 1m)], shop.Audited());
    }

    [Fact]
    public async Task PublishEvent_InsideHandler_CarriesTheHandledEventsCausation()
    {
        await using var shop = await CreateHarnessAsync();
        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderApproved("A-1"));
            await db.SaveChangesAsync(Cancellation);
        }

        Assert.Equal(1, await shop.RelayAsync(Cancellation)); // ShippingHandler saves the order and queues OrderShipped
        Assert.Equal(1, await shop.RelayAsync(Cancellation));

        var approved = Assert.Single(shop.Herald.Handled, h => h.Group == ShippingHandler.Group).Envelope;
        var shipped = Assert.Single(shop.Herald.Handled, h => h.Group == AuditHandler.Group);
        Assert.Equal(new OrderShipped("A-1"), shipped.Event);
        Assert.Equal(approved.EventId, shipped.Envelope.CausationId);
        Assert.Equal(approved.CorrelationId, shipped.Envelope.CorrelationId);
        Assert.Equal(1, shipped.Envelope.Depth);
        await using var check = shop.CreateScope();
        Assert.Equal("shipped", (await ShopHarness.Db(check).Orders.SingleAsync(Cancellation)).Status);
    }
}
