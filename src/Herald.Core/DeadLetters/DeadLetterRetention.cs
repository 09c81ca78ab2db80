using Herald.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.DeadLetters;

/// <summary>Removes redriven dead letters once their retention ends, at start and then every <see cref="Interval"/>, so that an idle application lets them go too.</summary>
internal sealed class DeadLetterRetention(DeadLetterLedger ledger, DeadLetterOptions options, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    /// <summary>Gets how often the retention is applied: every hour, or every retention period when that is shorter.</summary>
    public TimeSpan Interval => options.RedrivenRetention < TimeSpan.FromHours(1) ? options.RedrivenRetention : TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ledger.ExpireAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Interval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed pass is retried after the interval; redriven letters only stay longer.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogMessages.DeadLetterRetentionFailed(logger, e, Interval);
                await DelayAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DelayAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Interval, timeProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the loop ends.
        }
    }
}
