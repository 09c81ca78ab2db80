using Herald.Hosting;
using Herald.Outbox;
using Herald.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.EntityFrameworkCore.Tests;

/// <summary>Runs the shop's Herald configuration with a DbContext on a real database; the test drives the outbox relay.</summary>
internal sealed class ShopHarness : IAsyncDisposable
{
    private ShopHarness(HeraldTestHarness herald) => Herald = herald;

    public HeraldTestHarness Herald { get; }

    /// <summary>Creates the harness, Herald's tables, then the shop's (CreateTables, as EnsureCreated skips a database that has any table).</summary>
    public static async Task<ShopHarness> CreateAsync(
        Action<HeraldBuilder> useOutbox,
        Action<DbContextOptionsBuilder> useDatabase,
        Func<CancellationToken, ValueTask> initializeOutboxSchema,
        CancellationToken cancellationToken)
    {
        var herald = HeraldTestHarness.Create(
            h =>
            {
                h.AddHandler<AuditHandler>(AuditHandler.Group)
                    .AddHandler<ShippingHandler>(ShippingHandler.Group)
                    .AddEvent<OrderPlaced>(e => e.PartitionKey(o => o.Number))
                    .AddEvent<OrderPaid>(e => e.PartitionKey(o => o.Number));
                useOutbox(h);
            },
            services => services.AddDbContext<ShopDbContext>((sp, options) => useDatabase(options.UseHeraldOutbox(sp))));
        var harness = new ShopHarness(herald);
        try
        {
            await initializeOutboxSchema(cancellationToken);
            await using (var scope = harness.CreateScope())
            {
                await Db(scope).GetService<IRelationalDatabaseCreator>().CreateTablesAsync(cancellationToken);
            }

            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public static ShopDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<ShopDbContext>();

    public AsyncServiceScope CreateScope() => Herald.Services.CreateAsyncScope();

    /// <summary>Runs one relay round, then lets the handlers process what it sent; returns the rows the relay dispatched.</summary>
    public async Task<int> RelayAsync(CancellationToken cancellationToken)
    {
        var dispatched = await Herald.Services.GetRequiredService<OutboxRelay>().RelayOnceAsync(cancellationToken);
        await Herald.ProcessPendingAsync(cancellationToken: cancellationToken);
        return dispatched;
    }

    public async Task<long> UndispatchedAsync(CancellationToken cancellationToken) =>
        (await Herald.Services.GetRequiredService<IOutboxStore>().GetStatisticsAsync(cancellationToken)).UndispatchedCount;

    public async Task<IReadOnlyList<string>> OrderNumbersAsync(CancellationToken cancellationToken)
    {
        await using var scope = CreateScope();
        return await Db(scope).Orders.OrderBy(o => o.Id).Select(o => o.Number).ToListAsync(cancellationToken);
    }

    public IReadOnlyList<object> Audited() => [.. Herald.Handled.Where(h => h.Group == AuditHandler.Group).Select(h => h.Event)];

    public ValueTask DisposeAsync() => Herald.DisposeAsync();
}
