using System.Globalization;
using Herald.Events;
using Herald.Transports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.Brokers;
using Shop.CommandLine;
using Shop.Events;
using Shop.Inventory;
using Shop.Orders;
using Shop.Payment;
using Shop.Reporting;
using Shop.Statistics;
using Shop.Storage;

namespace Shop.Services;

/// <summary>Runs one service of the shop as a process of its own (<c>--service</c>), on a broker the four share, until it
/// has done its part of the run: the orders service until it has placed <c>--orders</c> orders and sent every
/// <c>order.created</c>; payment, inventory and notification until their tables hold an outcome for each of the run's
/// orders and their outboxes are sent.</summary>
/// <remarks>
/// Progress is read from the service's own database, never counted in memory: a service killed and started again with
/// the same arguments goes on where its tables say it stopped (the orders service places only the orders still missing,
/// the same ones an uninterrupted run would have placed), and its broker redelivers what it had not acknowledged, which
/// the inboxes skip. Events of other runs are handled as they come, and counted as earlier-run events, but not waited for.
/// </remarks>
internal sealed class ServiceRunner(IHost host, ShopOptions options, TextWriter output, TextWriter diagnostics)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly ShopService _service = options.Service ?? throw new ArgumentException("No --service given.", nameof(options));
    private readonly ITransport _transport = host.Services.GetRequiredService<ITransport>();
    private readonly EventTypeRegistry _registry = host.Services.GetRequiredService<EventTypeRegistry>();
    private readonly ShopDatabase _database = host.Services.GetRequiredService<ShopDatabase>();
    private readonly DamagedPartitions _damaged = host.Services.GetRequiredService<DamagedPartitions>();
    private readonly ShopRun _run = host.Services.GetRequiredService<ShopRun>();
    private readonly ShopStatistics _statistics = host.Services.GetRequiredService<ShopStatistics>();
    private readonly TimeProvider _timeProvider = host.Services.GetRequiredService<TimeProvider>();

    /// <summary>Runs the service, writes its summary to the output and returns it.</summary>
    /// <exception cref="BrokerUnreachableException">The broker did not answer, before anything was started or sent.</exception>
    /// <exception cref="DataDirectoryException">The database does not open, before anything was started or sent.</exception>
    public async Task<ShopSummary> RunAsync()
    {
        await BrokerProbe.EnsureReachableAsync(_transport, options, _registry);
        try
        {
            await _database.EnsureCreatedAsync();
        }
        catch (SqliteException exception)
        {
            throw DataDirectoryException.ForDatabase(_database.Path, exception);
        }

        var before = await ServiceCounts.ReadAsync(_database, _run, CancellationToken.None);
        await diagnostics.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"Shop: {_service.Name()} service of run {_run.Id} ({options.Orders} orders), prefix {options.Prefix}, database {_database.Path}{Resuming(before)}."));
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var started = _timeProvider.GetTimestamp();
        var outcome = await RunUntilDoneAsync(before, stopping);
        var elapsed = _timeProvider.GetElapsedTime(started);

        // Stopping lets in-flight handlers finish and settles every handled event, so the broker redelivers none of them.
        await host.StopAsync();
        var counts = await ServiceCounts.ReadAsync(_database, _run, CancellationToken.None);
        var summary = Summarize(outcome, counts, elapsed);
        SummaryWriter.Write(output, summary, options.Json);
        return summary;
    }

    private string Resuming(ServiceCounts before) => before.Handled(_service) == 0
        ? string.Empty
        : string.Create(CultureInfo.InvariantCulture, $"; resuming after {before.Handled(_service)} orders an earlier process of this service handled");

    private async Task<RunOutcome> RunUntilDoneAsync(ServiceCounts before, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(options.CompletionTimeout);
        try
        {
            if (_service == ShopService.Orders)
            {
                await PlaceOrdersAsync(before.Orders, timeout.Token);
            }

            await WaitUntilDoneAsync(timeout.Token);
            return RunOutcome.Completed;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return RunOutcome.Interrupted;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var handled = (await ServiceCounts.ReadAsync(_database, _run, CancellationToken.None)).Handled(_service);
            await diagnostics.WriteLineAsync(ShopRunner.TimedOutMessage(
                options.TimeoutSeconds,
                string.Empty,
                string.Create(CultureInfo.InvariantCulture, $"{_service.Name()} {handled}/{options.Orders}")));
            return RunOutcome.TimedOut;
        }
    }

    // The groups that handle order.created must exist on the broker before the first one is sent: RabbitMQ keeps an event
    // no queue takes for the first group that binds, but a group that binds after another has taken it never sees it.
    // A broker that keeps every event for groups yet to come (NATS, Kafka) reports their lag at once.
    private async Task PlaceOrdersAsync(long placed, CancellationToken cancellationToken)
    {
        var topic = _registry.Get(typeof(OrderCreated)).Topic;
        var waiting = false;
        foreach (var group in (string[])[PaymentHandler.Group, InventoryHandler.Group])
        {
            while (await _transport.GetLagAsync(topic, group, cancellationToken) is null)
            {
                if (!waiting)
                {
                    waiting = true;
                    await diagnostics.WriteLineAsync($"Shop: waiting for the payment and inventory services to subscribe to {topic} before placing orders.");
                }

                await Task.Delay(PollInterval, _timeProvider, cancellationToken);
            }
        }

        // RabbitMQ binds a group's last queue just after declaring it, and the lag reads only declarations: a moment more.
        await Task.Delay(PollInterval, _timeProvider, cancellationToken);
        var orders = host.Services.GetRequiredService<OrderService>();
        orders.ResumeAfter(placed);
        var count = options.Orders - placed;
        await (options.EffectiveRate is { } rate ? orders.PublishAtRateAsync(count, rate, cancellationToken) : orders.PublishAsync(count, cancellationToken));
    }

    private async Task WaitUntilDoneAsync(CancellationToken cancellationToken)
    {
        var lastProgress = _timeProvider.GetTimestamp();
        while (true)
        {
            var handled = (await ServiceCounts.ReadAsync(_database, _run, cancellationToken)).Handled(_service);

            // The outbox last: what the service wrote for its last orders must have reached the broker.
            if (handled >= options.Orders && (await _database.CountUndispatchedAsync(_damaged, cancellationToken)).UnsentTotal == 0)
            {
                return;
            }

            if (_timeProvider.GetElapsedTime(lastProgress) >= ProgressInterval)
            {
                lastProgress = _timeProvider.GetTimestamp();
                await diagnostics.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Shop: {_service.Name()}: {handled}/{options.Orders} orders handled"));
            }

            await Task.Delay(PollInterval, _timeProvider, cancellationToken);
        }
    }

    private ShopSummary Summarize(RunOutcome outcome, ServiceCounts counts, TimeSpan elapsed)
    {
        // The service's own tables for what it did; memory for what this process saw happen (failures, retries, skips).
        var seen = _statistics.Snapshot();
        var snapshot = seen with
        {
            OrdersPublished = counts.Orders,
            PaymentsCompleted = counts.PaymentsCompleted,
            PaymentsFailed = counts.PaymentsFailed,
            InventoryReserved = counts.InventoryReserved,
            InventoryFailed = counts.InventoryFailed,
            NotificationsSent = counts.NotificationsSent,
        };
        var summary = ShopSummary.Create(outcome, _transport.GetType().Name, Path.GetFullPath(options.DatabaseDirectory), snapshot, counts.PaymentsCharged, elapsed, [], 0);
        return summary with { Service = _service.Name(), Run = _run.Id };
    }
}
