using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.Events;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Consuming.Ordering;

/// <summary>A reorder group's memory and store stay bounded: idle keys leave memory, old positions leave the store.</summary>
public sealed class SequenceGateEvictionTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Subscription _subscription = new("orders", "billing", new ConsumerGroupOptions(), new Dictionary<string, HandlerBinding>());
    private long _offset;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SweepAsync_KeyIdleWithItsPositionSaved_LeavesMemoryAndIsRestoredOnNextSight()
    {
        var store = new InMemorySequencePositionStore(_time);
        var gate = Gate(store);
        await HandleAsync(gate, "a", 1);
        await HandleAsync(gate, "a", 2);
        _time.Advance(Idle - TimeSpan.FromSeconds(1));
        await gate.SweepAsync(Cancellation);
        Assert.Equal(1, gate.KeysInMemory);

        // Idle passes run every quarter of the timeout, so a key leaves memory at most that much after it went idle.
        _time.Advance(TimeSpan.FromSeconds(1));
        await gate.SweepAsync(Cancellation);
        Assert.Equal(1, gate.KeysInMemory);
        _time.Advance(Idle / 4);
        await gate.SweepAsync(Cancellation);

        Assert.Equal((0, 1L), (gate.KeysInMemory, gate.KeysEvicted));
        Assert.Null(gate.Buffer.GetPosition("a"));
        Assert.Equal(ReorderDisposition.Duplicate, (await gate.OfferAsync(Delivery("a", 2), Cancellation)).Disposition);
        Assert.Equal(ReorderDisposition.Released, (await gate.OfferAsync(Delivery("a", 3), Cancellation)).Disposition);
        Assert.Equal(1, gate.KeysInMemory);
    }

    [Fact]
    public async Task SweepAsync_KeyWithBufferedEvents_StaysInMemoryPastIdleTimeoutAndCap()
    {
        var gate = Gate(new InMemorySequencePositionStore(_time), o => (o.MaxKeysInMemory, o.OnGapTimeout) = (1, GapTimeoutPolicy.KeepWaiting));
        Assert.Equal(ReorderDisposition.Buffered, (await gate.OfferAsync(Delivery("waiting", 3), Cancellation)).Disposition);
        await HandleAsync(gate, "idle", 1);
        _time.Advance(Idle * 3);

        await gate.SweepAsync(Cancellation);

        Assert.Equal((1, 1L), (gate.KeysInMemory, gate.KeysEvicted));
        Assert.Equal(1, gate.Buffer.BufferedFor("waiting"));
        Assert.Null(gate.Buffer.GetPosition("idle"));
    }

    [Fact]
    public async Task SweepAsync_ReleasedEventNotYetDealtWith_KeyStaysUntilItsPositionIsSaved()
    {
        var gate = Gate(new InMemorySequencePositionStore(_time));
        var first = Delivery("a", 1);
        Assert.Equal(ReorderDisposition.Released, (await gate.OfferAsync(first, Cancellation)).Disposition);
        _time.Advance(Idle);

        await gate.SweepAsync(Cancellation);
        Assert.Equal(1, gate.KeysInMemory);

        gate.DealtWith(first);
        await gate.SaveAsync(Cancellation);
        _time.Advance(Idle);
        await gate.SweepAsync(Cancellation);
        Assert.Equal(0, gate.KeysInMemory);
    }

    [Fact]
    public async Task SweepAsync_MoreKeysThanTheCap_EvictsTheLeastRecentlySeenDownToNinetyPercent()
    {
        var gate = Gate(new InMemorySequencePositionStore(_time), o => o.MaxKeysInMemory = 10);
        for (var i = 0; i < 12; i++)
        {
            await HandleAsync(gate, $"k{i}", 1);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await gate.SweepAsync(Cancellation);

        Assert.Equal(9, gate.KeysInMemory);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Null(gate.Buffer.GetPosition($"k{i}")));
        Assert.All(Enumerable.Range(3, 9), i => Assert.Equal(1, gate.Buffer.GetPosition($"k{i}")));
    }

    [Fact]
    public async Task SweepAsync_PositionOlderThanRetention_RemovedAndTheReturningKeyStartsAfresh()
    {
        var store = new InMemorySequencePositionStore(_time);
        var gate = Gate(store, o => o.PositionRetention = TimeSpan.FromDays(1));
        await HandleAsync(gate, "gone", 1);
        await HandleAsync(gate, "active", 1);
        _time.Advance(Idle);
        await gate.SweepAsync(Cancellation);
        Assert.Equal(0, gate.KeysInMemory);

        // "active" comes back and stays in memory, seeing only repeats for a day: its position is not saved again by
        // handling, so the sweep saves it again before removing old positions.
        await HandleAsync(gate, "active", 2);
        foreach (var step in new[] { TimeSpan.FromHours(12), TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1) })
        {
            _time.Advance(step);
            Assert.Equal(ReorderDisposition.Duplicate, (await gate.OfferAsync(Delivery("active", 2), Cancellation)).Disposition);
            await gate.SweepAsync(Cancellation);
        }

        Assert.Null(await store.GetAsync("billing", "orders", "gone", Cancellation));
        Assert.Equal(2, await store.GetAsync("billing", "orders", "active", Cancellation));

        // A key seen for the first time: with FirstSequence 1, its 2 waits for a 1 it has handled long ago.
        Assert.Equal(ReorderDisposition.Buffered, (await gate.OfferAsync(Delivery("gone", 2), Cancellation)).Disposition);
        Assert.Equal(ReorderDisposition.Released, (await gate.OfferAsync(Delivery("gone", 1), Cancellation)).Disposition);
    }

    [Fact]
    public async Task EmbeddedPositions_RemoveSavedBefore_TombstonesSurviveAReopen()
    {
        var directory = Directory.CreateTempSubdirectory("herald-positions-").FullName;
        try
        {
            await using (var transport = new EmbeddedLogTransport(new EmbeddedLogTransportOptions { DataDirectory = directory }, _time))
            {
                var store = transport.SequencePositions;
                await store.SaveAsync("billing", "orders", [new("old", 3), new("kept", 4)], Cancellation);
                await store.SaveAsync("audit", "orders", [new("old", 5)], Cancellation);
                _time.Advance(TimeSpan.FromDays(2));
                await store.SaveAsync("billing", "orders", [new("kept", 6)], Cancellation);

                Assert.Equal(1, await store.RemoveSavedBeforeAsync("billing", "orders", _time.GetUtcNow() - TimeSpan.FromDays(1), Cancellation));
                Assert.Equal(0, await store.RemoveSavedBeforeAsync("billing", "orders", _time.GetUtcNow() - TimeSpan.FromDays(1), Cancellation));
            }

            await using var reopened = new EmbeddedLogTransport(new EmbeddedLogTransportOptions { DataDirectory = directory }, _time);
            Assert.Null(await reopened.SequencePositions.GetAsync("billing", "orders", "old", Cancellation));
            Assert.Equal(6, await reopened.SequencePositions.GetAsync("billing", "orders", "kept", Cancellation));
            Assert.Equal(5, await reopened.SequencePositions.GetAsync("audit", "orders", "old", Cancellation));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ReorderOptions_RetentionNotLongerThanIdleTimeout_RefusedNamingBoth()
    {
        var options = new ReorderOptions { KeyIdleTimeout = TimeSpan.FromHours(2), PositionRetention = TimeSpan.FromHours(1) };

        var error = Assert.Throws<InvalidOperationException>(() => options.Validate("billing"));

        Assert.Contains("PositionRetention", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyIdleTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxKeysInMemory is 0", Assert.Throws<InvalidOperationException>(() => new ReorderOptions { MaxKeysInMemory = 0 }.Validate("billing")).Message, StringComparison.Ordinal);
    }

    private SequenceGate Gate(ISequencePositionStore store, Action<ReorderOptions>? configure = null)
    {
        var options = new ReorderOptions { KeyIdleTimeout = Idle };
        configure?.Invoke(options);
        options.Validate("billing");
        return new SequenceGate(_subscription, options, store, _time);
    }

    // Offers the event, and, as the member's loop does for a handled one, notes it dealt with and saves the position.
    private async Task HandleAsync(SequenceGate gate, string key, long sequence)
    {
        var delivery = Delivery(key, sequence);
        var result = await gate.OfferAsync(delivery, Cancellation);
        Assert.Equal(ReorderDisposition.Released, result.Disposition);
        gate.DealtWith(delivery);
        await gate.SaveAsync(Cancellation);
    }

    private TransportDelivery Delivery(string key, long sequence) => new(
        new EventEnvelope
        {
            EventId = Guid.NewGuid().ToString(),
            EventType = "order.placed",
            Timestamp = _time.GetUtcNow(),
            Source = "tests",
            CorrelationId = "c",
            PartitionKey = key,
            Sequence = sequence,
            Data = "{}"u8.ToArray(),
        },
        0,
        _offset++,
        1);
}
