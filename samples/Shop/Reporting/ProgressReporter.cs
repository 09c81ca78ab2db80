using System.Globalization;
using Shop.Statistics;

namespace Shop.Reporting;

/// <summary>Writes one line with the counters every few seconds until cancelled.</summary>
internal sealed class ProgressReporter(ShopStatistics statistics, TimeProvider timeProvider, TextWriter output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var s = statistics.Snapshot();
                var elapsed = timeProvider.GetElapsedTime(started);
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{elapsed.TotalSeconds,6:0} s] {s.OrdersPublished:N0} orders: {s.PaymentsCompleted:N0} paid, {s.PaymentsFailed:N0} declined, " +
                    $"{s.InventoryReserved:N0} reserved, {s.InventoryFailed:N0} short, {s.NotificationsSent:N0} e-mails, " +
                    $"{s.Retries:N0} retries, {s.EarlierRunEvents:N0} earlier-run events"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is how the reporter is told to stop.
        }
    }
}
