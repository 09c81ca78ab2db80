using Herald.Consuming;
using Herald.Events;
using Microsoft.EntityFrameworkCore;

namespace Herald.EntityFrameworkCore.Tests;

[Event("shop.order-placed")]
public sealed record OrderPlaced(string Number);

[Event("shop.order-paid")]
public sealed record OrderPaid(string Number, decimal Amount);

[Event("shop.order-approved")]
public sealed record OrderApproved(string Number);

[Event("shop.order-shipped")]
public sealed record OrderShipped(string Number);

public sealed record NotAnEvent(string Number);

public sealed class Order
{
    public int Id { get; set; }

    public required string Number { get; set; }

    public string Status { get; set; } = "placed";
}

public sealed class ShopDbContext(DbContextOptions<ShopDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.HasIndex(o => o.Number).IsUnique();
        });
}

/// <summary>Records every shop event; the harness keeps the order they were handled in.</summary>
public sealed class AuditHandler : IEventHandler<OrderPlaced>, IEventHandler<OrderPaid>, IEventHandler<OrderShipped>
{
    public const string Group = "audit";

    public Task HandleAsync(EventContext<OrderPlaced> context) => Task.CompletedTask;

    public Task HandleAsync(EventContext<OrderPaid> context) => Task.CompletedTask;

    public Task HandleAsync(EventContext<OrderShipped> context) => Task.CompletedTask;
}

/// <summary>Ships an approved order: changes the entity and publishes through the same DbContext, inside a handler.</summary>
public sealed class ShippingHandler(ShopDbContext db) : IEventHandler<OrderApproved>
{
    public const string Group = "shipping";

    public async Task HandleAsync(EventContext<OrderApproved> context)
    {
        var order = await db.Orders.SingleAsync(o => o.Number == context.Event.Number, context.CancellationToken);
        order.Status = "shipped";
        db.PublishEvent(new OrderShipped(order.Number));
        await db.SaveChangesAsync(context.CancellationToken);
    }
}
