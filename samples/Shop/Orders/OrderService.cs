using Herald.Events;
using Herald.Outbox;
using Microsoft.Data.Sqlite;
using Shop.CommandLine;
using Shop.Statistics;
using Shop.Storage;

namespace Shop.Orders;

/// <summary>Takes orders: writes each to the <c>orders</c> table and its <c>order.created</c> to the outbox in the same
/// transaction; the outbox relay then sends the event, and the other services react to that event alone.</summary>
/// <remarks>Not thread-safe: one publishing loop owns it.</remarks>
internal sealed class OrderService(IOutboxPublisher outbox, ShopDatabase database, ShopStatistics statistics, TimeProvider timeProvider, ShopRun run, ShopOptions options)
{
    /// <summary>The most orders written per transaction; each order still commits together with its event.</summary>
    /// <remarks>A commit waits for an fsync (a few milliseconds), so one order per transaction would cap the shop at a
    /// few hundred orders per second; a batch shares one fsync between its orders.</remarks>
    public const int OrdersPerTransaction = 50;

    /// <summary>The seed of every run's orders: runs of the same size see the same cards, declines and timeouts.</summary>
    public const int Seed = 42;
    private static readonly TimeSpan ShortestTick = TimeSpan.FromMilliseconds(10);

    private readonly OrderGenerator _generator = new(Seed, run);
    private readonly List<EventEnvelope> _sent = new(options.Duplicates);

    /// <summary>Gets the envelopes of this run's first orders, as many as <c>--duplicates</c> asks to send again.</summary>
    public IReadOnlyList<EventEnvelope> SentEnvelopes => _sent;

    /// <summary>Goes on after the first <paramref name="placed"/> orders of the run, which an earlier process placed: the
    /// next order is number <paramref name="placed"/> + 1, with the card and lines it had in a run never interrupted.</summary>
    public void ResumeAfter(long placed)
    {
        for (long i = 0; i < placed; i++)
        {
            _generator.Next();
        }
    }

    /// <summary>Publishes <paramref name="count"/> orders as fast as the database commits them.</summary>
    public async Task PublishAsync(long count, CancellationToken cancellationToken)
    {
        for (long published = 0; published < count;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = (int)Math.Min(OrdersPerTransaction, count - published);
            await PublishBatchAsync(batch);
            published += batch;
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
            while (published < due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = (int)Math.Min(OrdersPerTransaction, due - published);
                await PublishBatchAsync(batch);
                published += batch;
            }
        }
    }

    // Not cancellable: an order whose commit was cancelled midway may still be committed, and the services would then
    // handle an order the publisher never counted. Cancellation waits for the batch in progress instead.
    private async Task PublishBatchAsync(int count)
    {
        var envelopes = new List<EventEnvelope>(count);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(CancellationToken.None);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO orders (order_id, run_id, customer_id, total) VALUES ($order, $run, $customer, $total);";
            var orderId = insert.Parameters.Add("$order", SqliteType.Text);
            var customerId = insert.Parameters.Add("$customer", SqliteType.Text);
            var total = insert.Parameters.Add("$total", SqliteType.Text);
            insert.Parameters.AddWithValue("$run", run.Id);
            for (var i = 0; i < count; i++)
            {
                var order = _generator.Next();
                orderId.Value = order.OrderId;
                customerId.Value = order.CustomerId;
                total.Value = order.Total;
                await insert.ExecuteNonQueryAsync();

                // The same transaction: the order and its event commit together or not at all.
                envelopes.Add(await outbox.PublishAsync(transaction, order));
            }

            await transaction.CommitAsync();
        }

        foreach (var envelope in envelopes)
        {
            statistics.OrderPublished();
            if (_sent.Count < options.Duplicates)
            {
                _sent.Add(envelope);
            }
        }
    }
}
