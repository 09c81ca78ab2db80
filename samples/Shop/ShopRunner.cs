using System.Globalization;
using Herald.Events;
using Herald.Log;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Data.Sqlite;
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
/// fails there with <see cref="LogDirectoryLockedException"/>, one the shop cannot create or write to with
/// <see cref="DataDirectoryException"/>, before the host starts. A damaged partition does not fail the run: the shop
/// serves the others, and the run ends <see cref="RunOutcome.Degraded"/> once it has done all they allow.
/// </remarks>
internal sealed class ShopRunner(IHost host, ShopOptions options, TextWriter output, TextWriter diagnostics)
{
    // Payment and inventory: the consumer groups that handle order.created, and so see every injected event.
    private const int OrderCreatedGroups = 2;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    // The transport first: with the embedded log, resolving it locks the data directory, which holds the database.
    private readonly ITransport _transport = OpenTransport(host.Services, options);
    private readonly ShopDatabase _database = host.Services.GetRequiredService<ShopDatabase>();
    private readonly DamagedPartitions _damaged = host.Services.GetRequiredService<DamagedPartitions>();
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
    /// <exception cref="DataDirectoryException">The database does not open, before anything was started or sent.</exception>
    public async Task<ShopSummary> RunAsync()
    {
        if (options.UsesBroker)
        {
            await BrokerProbe.EnsureReachableAsync(_transport, options, host.Services.GetRequiredService<EventTypeRegistry>());
        }

        await OpenDatabaseAsync();
        if (_transport is EmbeddedLogTransport embedded)
        {
            LogReporter.Attach(embedded.Log, _damaged, diagnostics);
        }

        if (_damaged.All.Any(d => d.Partition < 0))
        {
            // A topic whose own entry in the log is damaged cannot be listened to, so the services cannot start at all.
            await diagnostics.WriteLineAsync("Shop: not starting: the services cannot use a damaged topic; repair it first.");
            return await ReportAsync(RunOutcome.Degraded, TimeSpan.Zero);
        }

        // Counted before the consumers start, while the backlog holds only what earlier runs left; the run then waits
        // for those events too, so a completed run leaves nothing behind in the data directory.
        var leftover = await LeftoverWork.CountAsync(_transport, host.Services.GetRequiredService<EventTypeRegistry>(), _database, _damaged);
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
        return await ReportAsync(outcome, elapsed);
    }

    /// <summary>Returns the line a run that timed out prints: how long it waited, which option raises that, and the progress.</summary>
    internal static string TimedOutMessage(int timeoutSeconds, string what, string progress) => string.Create(
        CultureInfo.InvariantCulture,
        $"Shop: the services did not finish{what} within {timeoutSeconds} s; handled so far: {progress}. Run again to catch up, with --timeout SECONDS to wait longer (default {ShopOptions.DefaultTimeoutSeconds}).");

    // The embedded log is open (the runner's constructor resolved the transport), and it has locked the directory, so no
    // other shop writes the database from here on: what fails now is the file itself.
    private async Task OpenDatabaseAsync()
    {
        try
        {
            await _database.EnsureCreatedAsync();
        }
        catch (SqliteException exception)
        {
            throw DataDirectoryException.ForDatabase(_database.Path, exception);
        }
    }

    private async Task<ShopSummary> ReportAsync(RunOutcome outcome, TimeSpan elapsed)
    {
        // Read from the table, not counted by the handler: the number of orders with a charge is what a duplicate
        // delivery would have inflated.
        var charged = await _database.CountChargesAsync(_run.Id, CancellationToken.None);
        var held = _damaged.Any ? (await _database.CountUndispatchedAsync(_damaged, CancellationToken.None)).Held : 0;
        var damaged = _damaged.All
            .Select(d => new DamagedPartition(d.PartitionName, d.FileName, d.Position, _damaged.RepairCommand(d)))
            .ToList();
        var summary = ShopSummary.Create(outcome, _transport.GetType().Name, DataDirectory, _statistics.Snapshot(), charged, elapsed, damaged, held);
        SummaryWriter.Write(output, summary, options.Json);
        return summary;
    }

    // Resolving the embedded transport opens the log, which creates the data directory and its lock file: the first
    // place a path the shop cannot use shows.
    private static ITransport OpenTransport(IServiceProvider services, ShopOptions options)
    {
        try
        {
            return services.GetRequiredService<ITransport>();
        }
        catch (Exception exception) when (options.Transport == ShopTransport.Embedded && DataDirectoryException.IsPathProblem(exception))
        {
            throw DataDirectoryException.ForDirectory(options.DataDirectory, exception);
        }
    }

    private async Task<RunOutcome> RunToCompletionAsync(long leftover, CancellationToken stopping)
    {
        if (_damaged.Any)
        {
            return await RunDegradedAsync(stopping);
        }

        var work = new ShopWork(options.Orders, leftover);
        try
        {
            await PublishAsync(options.Orders, stopping);
            await _waiter.WaitAsync(work, options.CompletionTimeout, stopping);
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
                    DuplicatesSkipped = ShopBroker.Find(options.Transport)?.DropsRepublishedEvents == true ? 0 : (long)options.Duplicates * OrderCreatedGroups,
                    DeadLetterEntries = (long)options.Poison * OrderCreatedGroups,
                };
                await _waiter.WaitAsync(work, options.CompletionTimeout, stopping);
            }

            return RunOutcome.Completed;
        }
        catch (TimeoutException)
        {
            await diagnostics.WriteLineAsync(TimedOutMessage(options.TimeoutSeconds, string.Empty, _statistics.Snapshot().DescribeProgress(work)));
            return RunOutcome.TimedOut;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return RunOutcome.Interrupted;
        }
    }

    // The orders a damaged partition would carry cannot be handled this run, so the counters never reach the run's
    // orders: the run ends once nothing else is left, which the log and the outbox tell.
    private async Task<RunOutcome> RunDegradedAsync(CancellationToken stopping)
    {
        try
        {
            await PublishAsync(options.Orders, stopping);
            if (options.Duplicates > 0 || options.Poison > 0)
            {
                await diagnostics.WriteLineAsync("Shop: not sending --duplicates and --poison: a damaged partition would refuse some of them.");
            }

            if (await _waiter.WaitForNothingLeftAsync(options.CompletionTimeout, stopping))
            {
                return RunOutcome.Degraded;
            }

            await diagnostics.WriteLineAsync(
                TimedOutMessage(options.TimeoutSeconds, " the healthy partitions' events", _statistics.Snapshot().DescribeProgress(new ShopWork(options.Orders))));
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
        if (_damaged.Any)
        {
            // Not cancelled by Ctrl+C, which is what ended the publishing.
            if (!await _waiter.WaitForNothingLeftAsync(DrainTimeout, CancellationToken.None))
            {
                await diagnostics.WriteLineAsync($"Shop: stopped with work left; handled: {_statistics.Snapshot().DescribeProgress(new ShopWork(published, leftover))}");
            }

            return RunOutcome.Degraded;
        }

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
