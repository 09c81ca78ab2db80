using Herald.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Inbox;

/// <summary>Deletes inbox records older than the retention, a bounded batch per transaction, every cleanup interval.</summary>
internal sealed class InboxCleanup(IInboxStore store, InboxOptions options, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    /// <summary>Deletes every record older than the retention now; returns how many went.</summary>
    public async Task<int> CleanupOnceAsync(CancellationToken cancellationToken)
    {
        var before = timeProvider.GetUtcNow() - options.Retention;
        var total = 0;
        while (true)
        {
            var deleted = await store.DeleteOlderThanAsync(before, options.CleanupBatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < options.CleanupBatchSize)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CleanupInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                await CleanupOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed cleanup is retried at the next interval; records only wait longer.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogMessages.InboxCleanupFailed(logger, e, options.CleanupInterval);
            }
        }
    }
}
