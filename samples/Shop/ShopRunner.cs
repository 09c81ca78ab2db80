using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.CommandLine;
using Shop.Orders;
using Shop.Reporting;
using Shop.Statistics;

namespace Shop;

/// <summary>Runs the shop on a host: starts it, publishes the orders, waits for the services, stops it and reports.</summary>
internal sealed class ShopRunner(IHost host, ShopOptions options, TextWriter output, TextWriter diagnostics)
{
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly ShopStatistics _statistics = host.Services.GetRequiredService<ShopStatistics>();
    private readonly OrderService _orders = host.Services.GetRequiredService<OrderService>();
    private readonly TimeProvider _timeProvider = host.Services.GetRequiredService<TimeProvider>();

    public async Task<RunOutcome> RunAsync()
    {
        await host.StartAsync();
        // Ctrl+C reaches the host's console lifetime, which signals ApplicationStopping.
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var started = _timeProvider.GetTimestamp();
        RunOutcome outcome;
        using (var progressStop = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            var progress = new ProgressReporter(_statistics, _timeProvider, diagnostics).RunAsync(progressStop.Token);
            outcome = options.RunsUntilStopped ? await RunUntilStoppedAsync(stopping) : await RunToCompletionAsync(stopping);
            await progressStop.CancelAsync();
            await progress;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        await host.StopAsync();
        var transport = host.Services.GetRequiredService<ITransport>().GetType().Name;
        SummaryWriter.Write(output, ShopSummary.Create(outcome, transport, _statistics.Snapshot(), elapsed), options.Json);
        return outcome;
    }

    private async Task<RunOutcome> RunToCompletionAsync(CancellationToken stopping)
    {
        try
        {
            await PublishAsync(options.Orders, stopping);
            await _statistics.WhenHandled(options.Orders).WaitAsync(CompletionTimeout, _timeProvider, stopping);
            return RunOutcome.Completed;
        }
        catch (TimeoutException)
        {
            await diagnostics.WriteLineAsync(
                $"Shop: the services did not finish within {CompletionTimeout.TotalSeconds:0} s; handled so far: {_statistics.Snapshot().DescribeProgress(options.Orders)}");
            return RunOutcome.TimedOut;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return RunOutcome.Interrupted;
        }
    }

    private async Task<RunOutcome> RunUntilStoppedAsync(CancellationToken stopping)
    {
        try
        {
            await PublishAsync(long.MaxValue, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C is how an endless run ends.
        }

        // The in-memory transport forgets undelivered events when the host stops; waiting briefly for
        // the orders in flight keeps the summary's counters consistent with each other.
        var published = _statistics.Snapshot().OrdersPublished;
        await diagnostics.WriteLineAsync($"Stopping: waiting up to {DrainTimeout.TotalSeconds:0} s for the orders in flight.");
        try
        {
            await _statistics.WhenHandled(published).WaitAsync(DrainTimeout, _timeProvider, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            await diagnostics.WriteLineAsync($"Shop: stopped with work left; handled: {_statistics.Snapshot().DescribeProgress(published)}");
        }

        return RunOutcome.Stopped;
    }

    private Task PublishAsync(long count, CancellationToken stopping) =>
        options.EffectiveRate is { } rate
            ? _orders.PublishAtRateAsync(count, rate, stopping)
            : _orders.PublishAsync(count, stopping);
}
