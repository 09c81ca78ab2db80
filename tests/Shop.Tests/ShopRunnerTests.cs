using Microsoft.Extensions.DependencyInjection;
using Shop.CommandLine;
using Shop.Orders;
using Shop.Reporting;
using Shop.Statistics;

namespace Shop.Tests;

/// <summary>Runs the shop in-process against a temp data directory, one run after another as a user would.</summary>
public sealed class ShopRunnerTests : IDisposable
{
    private const int Orders = 300;

    // Fewer orders where the point is what earlier runs left, to keep the suite fast (every append is fsynced).
    private const int FewOrders = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task RunAsync_SecondRunOnTheSameDirectory_HandlesOnlyItsOwnOrders()
    {
        var options = Embedded();

        var first = await RunAsync(options);
        var second = await RunAsync(options);

        AssertHandledOwnOrders(first, Orders);
        AssertHandledOwnOrders(second, Orders);
        Assert.Equal(0, first.EarlierRunEvents);
        Assert.Equal(0, second.EarlierRunEvents);
        // Same seed, so the same cards are declined: the second run saw its own orders and no others. (Which orders get
        // the scarce product's last units depends on the order the partitions are handled in, so inventory may differ.)
        Assert.Equal(first.PaymentsFailed, second.PaymentsFailed);
        Assert.Equal(Path.GetFullPath(_data.DataDirectory), second.DataDirectory);
    }

    [Fact]
    public async Task RunAsync_OrdersPublishedWhileNoConsumerRan_HandlesEachOnceAsEarlierRunEvents()
    {
        const int leftoverOrders = 50;
        var options = Embedded(FewOrders);
        await PublishWithoutConsumersAsync(options, leftoverOrders);

        var resumed = await RunAsync(options);
        var next = await RunAsync(options);

        AssertHandledOwnOrders(resumed, FewOrders);
        // Each leftover order: payment, inventory, and the notification of the payment outcome.
        Assert.Equal(3 * leftoverOrders, resumed.EarlierRunEvents);
        AssertHandledOwnOrders(next, FewOrders);
        Assert.Equal(0, next.EarlierRunEvents);
    }

    [Fact]
    public async Task RunAsync_AfterARunStoppedWithWorkLeft_HandlesTheRestOnce()
    {
        var options = Embedded(FewOrders);
        var stopped = await RunUntilSomeHandledAsync(options, handledBeforeStop: 10);
        var handledBeforeStop = stopped.PaymentsHandled + stopped.InventoryHandled + stopped.NotificationsSent;
        Assert.InRange(handledBeforeStop, 30, (3 * FewOrders) - 1);

        var resumed = await RunAsync(options);

        AssertHandledOwnOrders(resumed, FewOrders);
        Assert.Equal((3 * FewOrders) - handledBeforeStop, resumed.EarlierRunEvents);
    }

    [Fact]
    public async Task RunAsync_InMemoryTransport_HandlesEveryOrderWithoutADataDirectory()
    {
        var summary = await RunAsync(new ShopOptions(Orders: Orders, Transport: ShopTransport.InMemory));

        AssertHandledOwnOrders(summary, Orders);
        Assert.Equal("InMemoryTransport", summary.Transport);
        Assert.Null(summary.DataDirectory);
        Assert.Equal(0, summary.EarlierRunEvents);
    }

    private ShopOptions Embedded(int orders = Orders) => new(Orders: orders, DataDirectory: _data.DataDirectory);

    private static async Task<ShopSummary> RunAsync(ShopOptions options)
    {
        using var host = ShopHost.Build(options);
        return await new ShopRunner(host, options, TextWriter.Null, TextWriter.Null).RunAsync().WaitAsync(Timeout);
    }

    // The shop's own host, never started: the orders reach the log and no consumer group sees them.
    private static async Task PublishWithoutConsumersAsync(ShopOptions options, int orders)
    {
        using var host = ShopHost.Build(options);
        await host.Services.GetRequiredService<OrderService>().PublishAsync(orders, CancellationToken.None);
    }

    // Publishes every order, starts the consumers and stops them once each group handled a few: a run cut short.
    private static async Task<ShopSnapshot> RunUntilSomeHandledAsync(ShopOptions options, int handledBeforeStop)
    {
        using var host = ShopHost.Build(options);
        var statistics = host.Services.GetRequiredService<ShopStatistics>();
        await host.Services.GetRequiredService<OrderService>().PublishAsync(options.Orders, CancellationToken.None);
        await host.StartAsync();
        await statistics.WhenHandled(handledBeforeStop).WaitAsync(Timeout);
        await host.StopAsync();
        return statistics.Snapshot();
    }

    private static void AssertHandledOwnOrders(ShopSummary summary, long orders)
    {
        Assert.Equal(RunOutcome.Completed, summary.Status);
        Assert.Equal(orders, summary.Orders);
        Assert.Equal(orders, summary.PaymentsCompleted + summary.PaymentsFailed);
        Assert.Equal(orders, summary.InventoryReserved + summary.InventoryFailed);
        Assert.Equal(orders, summary.NotificationsSent);
        Assert.Equal(0, summary.HandlerFailures);
    }
}
