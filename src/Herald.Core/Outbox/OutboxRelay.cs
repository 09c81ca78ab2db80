using Herald.Diagnostics;
using Herald.Events;
using Herald.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Outbox;

/// <summary>Sends committed outbox rows to the transport, at least once and in per-key order, and deletes old dispatched rows.</summary>
/// <remarks>
/// Each round claims a batch under a lease, sends the rows in id order and marks them dispatched.
/// A send that fails transiently stops the batch: the rows sent so far are marked, the rest stay leased, and the
/// relay waits one <see cref="OutboxOptions.Lease"/> before claiming again, so the failed row comes
/// back before any later row of its key. A relay that dies between sending and marking leaves its
/// rows to be claimed again after the lease: they are sent twice (at-least-once).
/// A row that can never go out (the store cannot read it, or the transport rejects the event itself, see
/// <see cref="IsPermanent"/>) is quarantined instead, so it cannot hold back the rows behind it; later rows of its
/// partition key wait until an operator releases or discards it, rows of other keys go on.
/// </remarks>
internal sealed class OutboxRelay(IOutboxStore store, ITransport transport, OutboxOptions options, TimeProvider timeProvider, ILogger logger, HeraldMetrics? metrics = null) : BackgroundService
{
    /// <summary>How long marking sent rows may take once the host is stopping.</summary>
    private static readonly TimeSpan MarkTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Claims one batch, sends it, quarantines what can never go out and marks what was sent as dispatched.</summary>
    /// <returns>The number of rows sent and marked dispatched (quarantined rows are not counted); 0 when nothing was ready.</returns>
    /// <exception cref="Exception">A send or the marking failed; unsent rows stay leased until the lease expires.</exception>
    internal async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var records = await store.ClaimAsync(options.RelayId, options.BatchSize, options.Lease, cancellationToken).ConfigureAwait(false);
        if (records.Count == 0)
        {
            return 0;
        }

        var sent = new List<long>(records.Count);
        HashSet<string>? heldKeys = null;
        try
        {
            foreach (var record in records)
            {
                // Stopping ends the batch between rows: the rest stay leased and come back after the lease.
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                // A row behind a quarantined row of its key stays leased; after the lease the store holds it back
                // until the quarantined row is released or discarded, so the key's order is kept.
                if (record.PartitionKey is { } key && heldKeys?.Contains(key) == true)
                {
                    continue;
                }

                if (await TrySendAsync(record, cancellationToken).ConfigureAwait(false))
                {
                    sent.Add(record.Id);
                }
                else if (record.PartitionKey is { } quarantinedKey)
                {
                    (heldKeys ??= new(StringComparer.Ordinal)).Add(quarantinedKey);
                }
            }
        }
        catch when (sent.Count > 0)
        {
            // Mark what did go out, so only the failed row and those after it are sent again.
            await MarkSentAfterFailureAsync(sent).ConfigureAwait(false);
            throw;
        }

        // Marked even when the host is stopping: rows that went out and stay unmarked would go out again.
        using var marking = new CancellationTokenSource(MarkTimeout, timeProvider);
        await store.MarkDispatchedAsync(options.RelayId, sent, marking.Token).ConfigureAwait(false);
        return sent.Count;
    }

    /// <summary>Deletes rows dispatched longer than <see cref="OutboxOptions.DispatchedRetention"/> ago, batch by batch until a batch comes back short.</summary>
    /// <returns>The number of rows deleted.</returns>
    internal async Task<int> CleanupOnceAsync(CancellationToken cancellationToken)
    {
        var before = timeProvider.GetUtcNow() - options.DispatchedRetention;
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.DeleteDispatchedAsync(before, options.BatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted >= options.BatchSize);

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextCleanup = timeProvider.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (timeProvider.GetUtcNow() >= nextCleanup)
                {
                    await CleanupAsync(stoppingToken).ConfigureAwait(false);
                    nextCleanup = timeProvider.GetUtcNow() + options.CleanupInterval;
                }

                TimeSpan delay;
                try
                {
                    delay = await RelayOnceAsync(stoppingToken).ConfigureAwait(false) == 0 ? options.PollInterval : TimeSpan.Zero;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    delay = options.Lease;
                    LogMessages.OutboxRelayFailed(logger, e, options.RelayId, delay);
                }

                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping; leased rows come back to a relay after their lease.
        }
    }

    private async Task CleanupAsync(CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await CleanupOnceAsync(cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                LogMessages.OutboxCleanedUp(logger, options.RelayId, deleted);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogMessages.OutboxCleanupFailed(logger, e, options.RelayId);
        }
    }

    /// <summary>Sends <paramref name="record"/>, or quarantines it when it cannot be read or the transport refuses it for good.</summary>
    /// <returns><see langword="true"/> when sent; <see langword="false"/> when quarantined.</returns>
    /// <exception cref="Exception">A transient send failure (the broker is unreachable, say): the batch stops and the row is retried after the lease.</exception>
    private async ValueTask<bool> TrySendAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        Exception failure;
        if (record.ReadError is { } readError)
        {
            failure = readError;
        }
        else
        {
            try
            {
                await SendAsync(record, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (IsPermanent(e))
            {
                failure = e;
            }
        }

        await store.QuarantineAsync(options.RelayId, record.Id, $"{failure.GetType().FullName}: {failure.Message}", cancellationToken).ConfigureAwait(false);
        metrics?.OutboxQuarantined(record.Topic, failure);
        LogMessages.OutboxRowQuarantined(logger, failure, options.RelayId, record.Id, record.Topic, record.PartitionKey);
        return false;
    }

    /// <summary>Says whether retrying cannot help: the event itself is malformed, or the transport rejects it as an invalid argument.</summary>
    /// <remarks>Everything else (I/O, timeouts, a broker that is down or refuses for now) is transient and retried in order.</remarks>
    internal static bool IsPermanent(Exception exception) => exception is EventFormatException or ArgumentException;

    // The send span continues the trace of the code that wrote the row (its context is the envelope's traceparent), and
    // the envelope goes out carrying the send span's context instead, so consumers' spans are its children.
    private async ValueTask SendAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        using var send = SendObservation.Start(metrics, transport.MessagingSystem, record.Topic, TraceContext.Of(record.Envelope));
        var envelope = send.Activity is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } activity ? record.Envelope with { TraceParent = activity.Id } : record.Envelope;
        send.Describe(envelope);
        try
        {
            await transport.SendAsync(record.Topic, envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            send.Complete(e);
            throw;
        }

        send.Complete(null);
    }

    private async Task MarkSentAfterFailureAsync(List<long> sent)
    {
        try
        {
            using var marking = new CancellationTokenSource(MarkTimeout, timeProvider);
            await store.MarkDispatchedAsync(options.RelayId, sent, marking.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The send's failure is the one to report; this one costs only a duplicate.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Unmarked rows are claimed and sent again after the lease: a duplicate, never a loss.
        }
    }
}
