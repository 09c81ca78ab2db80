using Herald.DeadLetters;
using Herald.Sqlite;
using Herald.Transports.Embedded;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Shop.CommandLine;
using Shop.Orders;
using Shop.Payment;
using Shop.Reporting;
using Shop.Statistics;
using Shop.Storage;

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
    public void TimedOutMessage_Always_NamesTheWaitAndTheOptionThatRaisesIt()
    {
        Assert.Equal(
            "Shop: the services did not finish within 120 s; handled so far: payment 1/2. Run again to catch up, with --timeout SECONDS to wait longer (default 120).",
            ShopRunner.TimedOutMessage(120, string.Empty, "payment 1/2"));
    }

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
    public async Task RunAsync_AfterARunStoppedWithWorkLeft_HandlesTheRestAndChargesEachOrderOnce()
    {
        var options = Embedded(FewOrders);
        var (stopped, stoppedRun) = await RunUntilSomeHandledAsync(options, handledBeforeStop: 10);
        var handledBeforeStop = stopped.PaymentsHandled + stopped.InventoryHandled + stopped.NotificationsSent;
        Assert.InRange(handledBeforeStop, 30, (3 * FewOrders) - 1);

        var resumed = await RunAsync(options);
        var next = await RunAsync(options);

        AssertHandledOwnOrders(resumed, FewOrders);
        // At least the rest; more when the relay was stopped between sending a batch and marking it: those events
        // come again once their lease expires, and the inboxes skip them (which counts as handling them).
        Assert.True(resumed.EarlierRunEvents >= (3 * FewOrders) - handledBeforeStop, $"{resumed.EarlierRunEvents} earlier-run events");
        // Same seed and size, so the stopped run's orders have the same cards as the resumed run's: charged exactly once.
        Assert.Equal(resumed.PaymentsCharged, await CountChargesAsync(stoppedRun));
        Assert.Equal(0, next.EarlierRunEvents);
    }

    [Fact]
    public async Task RunAsync_DuplicatesAndPoison_ChargesEachOrderOnceAndDeadLettersEachPoisonEvent()
    {
        var options = Embedded(FewOrders) with { Duplicates = 20, Poison = 3 };

        var summary = await RunAsync(options);

        AssertHandledOwnOrders(summary, FewOrders, poison: 3);
        Assert.Equal(20, summary.DuplicatesInjected);
        Assert.Equal(2 * 20, summary.DuplicatesSkipped);
        Assert.Equal(3, summary.DeadLettered);
        Assert.Equal(summary.PaymentsCompleted, await ChargesTable.AssertEachOrderChargedOnceAsync(_data.DataDirectory));
        var letters = await ListDeadLettersAsync();
        // One entry per group that handles order.created, each for an undeserializable payload.
        Assert.Equal(2 * 3, letters.Count);
        Assert.All(letters, l => Assert.Equal(DeadLetterReason.Undeserializable, l.Failure.Reason));
        Assert.Equal(3, letters.Select(l => l.EventId).Distinct().Count());
    }

    [Fact]
    public async Task RunAsync_SecondRunWithDuplicatesAndPoison_ReportsOnlyItsOwnNumbers()
    {
        var options = Embedded(FewOrders) with { Duplicates = 20, Poison = 3 };

        var first = await RunAsync(options);
        var second = await RunAsync(options);

        AssertHandledOwnOrders(second, FewOrders, poison: 3);
        Assert.Equal(first.PaymentsCharged, second.PaymentsCharged);
        Assert.Equal(3, second.DeadLettered);
        Assert.Equal(20, second.DuplicatesInjected);
        Assert.Equal(0, second.EarlierRunEvents);
        Assert.Equal(first.PaymentsCharged + second.PaymentsCharged, await CountChargesAsync());
        Assert.Equal(2 * 2 * 3, (await ListDeadLettersAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_InMemoryWithDuplicatesAndPoison_KeepsTheInvariantsAndDeletesItsDatabase()
    {
        var options = new ShopOptions(Orders: FewOrders, Transport: ShopTransport.InMemory, Duplicates: 20, Poison: 3);
        string database;

        using (var host = ShopHost.Build(options))
        {
            database = host.Services.GetRequiredService<ShopDatabase>().Path;
            var summary = await new ShopRunner(host, options, TextWriter.Null, TextWriter.Null).RunAsync().WaitAsync(Timeout);
            AssertHandledOwnOrders(summary, FewOrders, poison: 3);
            Assert.Equal(2 * 20, summary.DuplicatesSkipped);
            Assert.Equal(3, summary.DeadLettered);
        }

        Assert.False(File.Exists(database));
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
    private static async Task<(ShopSnapshot Counters, ShopRun Run)> RunUntilSomeHandledAsync(ShopOptions options, int handledBeforeStop)
    {
        using var host = ShopHost.Build(options);
        var statistics = host.Services.GetRequiredService<ShopStatistics>();
        await host.Services.GetRequiredService<OrderService>().PublishAsync(options.Orders, CancellationToken.None);
        await host.StartAsync();
        await statistics.WhenHandled(handledBeforeStop).WaitAsync(Timeout);
        await host.StopAsync();
        return (statistics.Snapshot(), host.Services.GetRequiredService<ShopRun>());
    }

    // Reads the database of the data directory the way anyone else would, once the shop has let go of it.
    private async Task<long> CountChargesAsync(ShopRun? run = null)
    {
        var options = new SqliteStoreOptions { ConnectionString = $"Data Source={Path.Combine(_data.DataDirectory, ShopDatabase.FileName)}" };
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = run is null
            ? "SELECT COUNT(*) FROM charges;"
            : "SELECT COUNT(*) FROM charges c JOIN orders o ON o.order_id = c.order_id WHERE o.run_id = $run;";
        command.Parameters.AddWithValue("$run", run?.Id ?? string.Empty);
        var count = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        SqliteConnection.ClearPool(connection);
        return count;
    }

    private async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync()
    {
        await using var transport = new EmbeddedLogTransport(new EmbeddedLogTransportOptions { DataDirectory = _data.DataDirectory }, TimeProvider.System);
        return await new DeadLetterQueues(transport, transport.DeadLetterStore).ListAsync(cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>Asserts the run handled its orders in every service, charged each paid order once, and retried exactly the
    /// orders whose issuer times out once (plus, with <paramref name="poison"/>, failed once per group on each poison event).</summary>
    private static void AssertHandledOwnOrders(ShopSummary summary, int orders, int poison = 0)
    {
        Assert.Equal(RunOutcome.Completed, summary.Status);
        Assert.Equal(orders, summary.Orders);
        Assert.Equal(orders, summary.PaymentsCompleted + summary.PaymentsFailed);
        Assert.Equal(orders, summary.PaymentsCharged + summary.PaymentsFailed);
        Assert.Equal(orders, summary.InventoryReserved + summary.InventoryFailed);
        Assert.Equal(orders, summary.NotificationsSent);
        var timeouts = TimeoutsAmongFirstOrders(orders);
        Assert.InRange(timeouts, 1, orders / 10);
        Assert.Equal(timeouts, summary.Retries);
        Assert.Equal(timeouts + (2 * poison), summary.HandlerFailures);
    }

    private static int TimeoutsAmongFirstOrders(int orders)
    {
        var generator = new OrderGenerator(OrderService.Seed, new ShopRun(DateTimeOffset.UnixEpoch));
        return Enumerable.Range(0, orders).Count(_ => CardIssuer.TimesOutOnFirstAttempt(generator.Next().CardToken));
    }
}
