using Herald.Publishing;
using Shop.Statistics;

namespace Shop.Orders;

/// <summary>Takes orders and announces each with <c>order.created</c>; the other services react to that event alone.</summary>
internal sealed class OrderService(IEventPublisher publisher, ShopStatistics statistics, TimeProvider timeProvider, ShopRun run)
{
    private const int Seed = 42;
    private static readonly TimeSpan ShortestTick = TimeSpan.FromMilliseconds(10);

    private readonly OrderGenerator _generator = new(Seed, run);

    /// <summary>Publishes <paramref name="count"/> orders as fast as the transport accepts them.</summary>
    public async Task PublishAsync(long count, CancellationToken cancellationToken)
    {
        for (long i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await PublishOneAsync();
        }
    }

    /// <summary>Publishes <paramref name="count"/> orders at <paramref name="rate"/> orders per second.</summary>
    public async Task PublishAtRateAsync(long count, int rate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var period = TimeSpan.FromSeconds(1.0 / rate);
        // Timers cannot tick every 0.1 ms; above 100 orders/s each tick publishes what has come due since the start,
        // which also keeps the long-run rate exact when a tick is late.
        using var timer = new PeriodicTimer(period < ShortestTick ? ShortestTick : period, timeProvider);
        var started = timeProvider.GetTimestamp();
        long published = 0;
        while (published < count && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var due = Math.Min(count, (long)(timeProvider.GetElapsedTime(started).TotalSeconds * rate));
            for (; published < due; published++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await PublishOneAsync();
            }
        }
    }

    // Not cancellable: a durable transport may store an order whose publish was cancelled mid-append, and the services
    // would then handle an order the publisher never counted. Cancellation waits for the publish in progress instead.
    private async Task PublishOneAsync()
    {
        await publisher.PublishAsync(_generator.Next());
        statistics.OrderPublished();
    }
}
