using System.Globalization;
using Herald.Events;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.Brokers;
using Shop.CommandLine;
using Shop.Faults;
using Shop.Orders;
using Shop.Reporting;
using Shop.Statistics;
using Shop.Storage;

namespace Shop;

/// <summary>Runs the shop on a host: starts it, publishes the orders, waits for the services, injects the duplicates and
/// poison events asked for, waits for them to be settled, stops the host and reports.</summary>
/// <remarks>
/// Constructing the runner resolves the transport, which opens the embedded log's data directory: a directory in use
/// fails there with <see cref="Herald.Log.LogDirectoryLockedException"/>, before the host starts.
/// </remarks>
internal sealed class ShopRunner(IHost host, ShopOptions options, TextWriter output, TextWriter diagnostics)
{
    // Payment and inventory: the consumer groups that handle order.created, and so see every injected event.
    private const int OrderCreatedGroups = 2;

    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    // The transport first: with the embedded log, resolving it locks the data directory, which holds the database.
    private readonly ITransport _transport = host.Services.GetRequiredService<ITransport>();
    private readonly ShopDatabase _database = host.Services.GetRequiredService<ShopDatabase>();
    private readonly ShopRun _run = host.Services.GetRequiredService<ShopRun>();
    private readonly DeliveryFaults _faults = host.Services.GetRequiredService<DeliveryFaults>();
    private readonly CompletionWaiter _waiter = host.Services.GetRequiredService<CompletionWaiter>();
    private readonly ShopStatistics _statistics = host.Services.GetRequiredService<ShopStatistics>();
    private readonly OrderService _orders = host.Services.GetRequiredService<OrderService>();
    private readonly TimeProvider _timeProvider = host.Services.GetRequiredService<TimeProvider>();

    // On a broker the data directory holds only the database (and its lock).
    private string? DataDirectory => options.UsesBroker ? Path.GetFullPath(options.DataDirectory) : (_transport as EmbeddedLogTransport)?.Log.Directory;

    /// <summary>Runs the shop, writes the summary to the output and returns it.</summary>
    /// <exception cref="BrokerUnreachableException">The broker did not answer, before anything was started or sent.</exception>
    public async Task<ShopSummary> RunAsync()
    {
        if (options.UsesBroker)
        {
            await BrokerProbe.EnsureReachableAsync(_transport, options, host.Services.GetRequiredService<EventTypeRegistry>());
        }

        // Counted before the consumers start, while the backlog holds only what earlier runs left; the run then waits
        // for those events too, so a completed run leaves nothing behind in the data directory.
        var leftover = await LeftoverWork.CountAsync(_transport, host.Services.GetRequiredService<EventTypeRegistry>(), _database);
        if (leftover > 0)
        {
            await diagnostics.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Shop: resuming: earlier runs left {leftover} events to handle in {DataDirectory}."));
        }

        await host.StartAsync();
        if (options.MetricsPort is { } port)
        {
            await diagnostics.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Shop: serving metrics at http://127.0.0.1:{port}/metrics"));
        }

        // Ctrl+C reaches the host's console lifetime, which signals ApplicationStopping.
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var started = _timeProvider.GetTimestamp();
        RunOutcome outcome;
        using (var progressStop = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            var progress = new ProgressReporter(_statistics, _timeProvider, diagnostics).RunAsync(progressStop.Token);
            outcome = options.RunsUntilStopped ? await RunUntilStoppedAsync(leftover, stopping) : await RunToCompletionAsync(leftover, stopping);
            await progressStop.CancelAsync();
            await progress;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        if (outcome is RunOutcome.Completed or RunOutcome.Stopped && !await _waiter.WaitForNothingLeftAsync(DrainTimeout))
        {
            await diagnostics.WriteLineAsync("Shop: stopping with events not yet settled; the next run handles them (or skips them, as duplicates).");
        }

        // Stopping lets in-flight handlers finish and commits every handled event, so the next run handles none again.
        await host.StopAsync();

        // Read from the table, not counted by the handler: the number of orders with a charge is what a duplicate
        // delivery would have inflated.
        var charged = await _database.CountChargesAsync(_run.Id, CancellationToken.None);
        var summary = ShopSummary.Create(outcome, _transport.GetType().Name, DataDirectory, _statistics.Snapshot(), charged, elapsed);
        SummaryWriter.Write(output, summary, options.Json);
        return summary;
    }

    private async Task<RunOutcome> RunToCompletionAsync(long leftover, CancellationToken stopping)
    {
        var work = new ShopWork(options.Orders, leftover);
        try
        {
            await PublishAsync(options.Orders, stopping);
            await _waiter.WaitAsync(work, CompletionTimeout, stopping);
            if (options.Duplicates > 0 || options.Poison > 0)
            {
                // Injected once every order is handled, so each duplicate re-sends an event its groups have handled.
                await _faults.SendDuplicatesAsync(_orders.SentEnvelopes, stopping);
                await _faults.SendPoisonAsync(options.Poison, stopping);

                // Each group handling order.created settles each injected event: skips a duplicate, dead-letters a poison.
                // JetStream drops a republished event id within its duplicate window before any group sees it, so on
                // NATS the run waits for nothing left instead (below), and the inboxes skip only what got through.
                work = work with
                {
                    DuplicatesSkipped = options.Transport == ShopTransport.Nats ? 0 : (long)options.Duplicates * OrderCreatedGroups,
                    DeadLetterEntries = (long)options.Poison * OrderCreatedGroups,
                };
                await _waiter.WaitAsync(work, CompletionTimeout, stopping);
            }

            return RunOutcome.Completed;
        }
        catch (TimeoutException)
        {
            await diagnostics.WriteLineAsync(
                $"Shop: the services did not finish within {CompletionTimeout.TotalSeconds:0} s; handled so far: {_statistics.Snapshot().DescribeProgress(work)}");
            return RunOutcome.TimedOut;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return RunOutcome.Interrupted;
        }
    }

    private async Task<RunOutcome> RunUntilStoppedAsync(long leftover, CancellationToken stopping)
    {
        try
        {
            await PublishAsync(long.MaxValue, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C is how an endless run ends.
        }

        // The in-memory transport forgets undelivered events when the host stops (the embedded log keeps them for the
        // next run); waiting briefly for the orders in flight keeps the summary's counters consistent with each other.
        var published = _statistics.Snapshot().OrdersPublished;
        await diagnostics.WriteLineAsync($"Stopping: waiting up to {DrainTimeout.TotalSeconds:0} s for the orders in flight.");
        try
        {
            await _waiter.WaitAsync(new ShopWork(published, leftover), DrainTimeout, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            await diagnostics.WriteLineAsync($"Shop: stopped with work left; handled: {_statistics.Snapshot().DescribeProgress(new ShopWork(published, leftover))}");
        }

        return RunOutcome.Stopped;
    }

    private Task PublishAsync(long count, CancellationToken stopping) =>
        options.EffectiveRate is { } rate
            ? _orders.PublishAtRateAsync(count, rate, stopping)
            : _orders.PublishAsync(count, stopping);
}
