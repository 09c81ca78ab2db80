using Herald.Events;
using Herald.Transports;
using Shop.Storage;

namespace Shop.Statistics;

/// <summary>Waits for a run's work to be done, and for the outbox relay to have sent and marked everything.</summary>
internal sealed class CompletionWaiter(ShopStatistics statistics, ITransport transport, EventTypeRegistry registry, ShopDatabase database, DamagedPartitions damaged, TimeProvider timeProvider)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until <paramref name="work"/> is done.</summary>
    /// <remarks>The earlier runs' events are counted in advance, and the count can be too high after a crash or Ctrl+C
    /// (see <see cref="LeftoverWork"/>): once this run's own work is done, nothing left in the log's backlogs or the
    /// outbox also means they are all handled.</remarks>
    /// <exception cref="TimeoutException">The work was not done within <paramref name="timeout"/>.</exception>
    public async Task WaitAsync(ShopWork work, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var done = statistics.WhenHandled(work);
        if (work.EarlierRunEvents == 0)
        {
            await done.WaitAsync(timeout, timeProvider, cancellationToken);
            return;
        }

        var started = timeProvider.GetTimestamp();
        while (!done.IsCompleted)
        {
            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException();
            }

            await Task.WhenAny(done, Task.Delay(PollInterval, timeProvider, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (statistics.Snapshot().HasHandled(work with { EarlierRunEvents = 0 }) && await LeftoverWork.CountAsync(transport, registry, database, damaged) == 0)
            {
                return;
            }
        }
    }

    /// <summary>Waits until nothing is left for the shop's services: every event committed by its groups, every outbox row
    /// sent and marked, apart from the events a damaged partition holds; for at most <paramref name="timeout"/>.</summary>
    /// <remarks>The counters reach their targets while the last events are being settled: a handler sees an event as
    /// soon as the relay sent it, before the relay marks its batch, and an inbox skip or a dead-lettering is reported
    /// before the transport is told the event is done. Stopping the host in between would leave those events to the
    /// next run. With a damaged partition, nothing left is also how a run knows it has done all it can: an event is in
    /// the outbox until it is in the log, and in a group's backlog until the group has handled it and written what
    /// follows from it to the outbox.</remarks>
    /// <returns>False when work was still left after <paramref name="timeout"/>.</returns>
    public async Task<bool> WaitForNothingLeftAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        while (await LeftoverWork.CountAsync(transport, registry, database, damaged) > 0
            || (await database.CountUndispatchedAsync(damaged, cancellationToken)).UnsentTotal > 0)
        {
            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), timeProvider, cancellationToken);
        }

        return true;
    }
}
