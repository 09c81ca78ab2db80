using Herald.Events;
using Herald.Transports;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports.Partitioned;

// The kernel over a scripted source: what it asks of the source (commits, seeks, schedules) is recorded and asserted.
public sealed class PartitionedTransportTests
{
    private const string Topic = "orders";
    private const string Group = "billing";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompleteAsync_OutOfOrder_CommitsOnlyUpToFirstUnsettledDelivery()
    {
        var transport = new ScriptedTransport(1, new FakeTimeProvider(Start));
        AddEvents(transport, 0, 3);
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        var batch = Receive(listener);

        await listener.CompleteAsync(batch[2], Cancellation);
        await listener.CompleteAsync(batch[1], Cancellation);
        Assert.False(transport.Commits.ContainsKey(0));

        await listener.CompleteAsync(batch[0], Cancellation);
        Assert.Equal([3], transport.Commits[0]);
    }

    [Fact]
    public async Task CompleteAsync_BeyondAnUnsettledDelivery_TellsTheCursorWhichKeepsItUntilItCloses()
    {
        var transport = new ScriptedTransport(1, new FakeTimeProvider(Start));
        AddEvents(transport, 0, 3);
        var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        var batch = Receive(listener);

        await listener.CompleteAsync(batch[2], Cancellation);
        await listener.CompleteAsync(batch[0], Cancellation);
        Assert.Equal([1], transport.Commits[0]);
        Assert.Contains("settled 0@2", transport.Events);

        // The last member leaves: the cursor is closed where it is, not sought back (which would void offset 2's settlement).
        await listener.DisposeAsync();
        var closing = transport.Events[transport.Events.IndexOf("settled 0@2")..];
        Assert.Equal(["settled 0@2", "close 0", "source closed"], closing);
    }

    [Fact]
    public async Task CompleteAsync_AfterPartitionMovedToAnotherMember_IsIgnored()
    {
        var transport = new ScriptedTransport(2, new FakeTimeProvider(Start));
        AddEvents(transport, 1, 2);
        await using var first = await transport.ListenAsync(Topic, Group, Cancellation);
        var stale = Receive(first);
        Assert.Equal(2, stale.Count);

        // Partition 1 moves to the second member, which starts again at the committed position.
        await using var second = await transport.ListenAsync(Topic, Group, Cancellation);
        await first.CompleteAsync(stale[0], Cancellation);
        Assert.False(transport.Commits.ContainsKey(1));
        Assert.Contains("seek 1@0", transport.Events);

        var moved = Receive(second);
        Assert.Equal([0L, 1L], moved.Select(d => d.Offset));
        Assert.All(moved, d => Assert.Equal(1, d.DeliveryCount));
        await second.CompleteAsync(moved[0], Cancellation);
        Assert.Equal([1], transport.Commits[1]);
    }

    [Fact]
    public async Task RedeliverAsync_FailedEvent_ComesAgainWithEverythingAfterItAndVoidsLaterDeliveries()
    {
        var time = new FakeTimeProvider(Start);
        var transport = new ScriptedTransport(1, time);
        AddEvents(transport, 0, 3);
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        var batch = Receive(listener);
        await listener.CompleteAsync(batch[0], Cancellation);

        await listener.RedeliverAsync(batch[1], TimeSpan.FromSeconds(5), Cancellation);
        await listener.CompleteAsync(batch[2], Cancellation);
        Assert.Equal([1], transport.Commits[0]);
        Assert.Equal(new PartitionRedelivery(1, 1, Start.AddSeconds(5), Start), transport.Saved[0]);
        Assert.Empty(Receive(listener));

        time.Advance(TimeSpan.FromSeconds(5));
        var again = Receive(listener);
        Assert.Equal([1L, 2L], again.Select(d => d.Offset));
        Assert.Equal([2, 1], again.Select(d => d.DeliveryCount));
        Assert.Equal([Start, (DateTimeOffset?)null], again.Select(d => d.FirstFailedAt));
    }

    [Fact]
    public async Task RedeliverAsync_EarlierDeliveryStillInFlight_SettlesAndMovesTheGroupUpToTheFailedOne()
    {
        var transport = new ScriptedTransport(1, new FakeTimeProvider(Start));
        AddEvents(transport, 0, 3);
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        var batch = Receive(listener);

        await listener.RedeliverAsync(batch[1], TimeSpan.Zero, Cancellation);
        await listener.CompleteAsync(batch[0], Cancellation);

        Assert.Equal([1], transport.Commits[0]);
        Assert.Equal([1L, 2L], Receive(listener).Select(d => d.Offset));
    }

    [Fact]
    public async Task DeferAsync_PutsEventBackWithItsDeliveryCount()
    {
        var time = new FakeTimeProvider(Start);
        var transport = new ScriptedTransport(1, time);
        AddEvents(transport, 0, 1);
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        var first = Receive(listener).Single();

        await listener.DeferAsync(first, TimeSpan.FromSeconds(1), Cancellation);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, Receive(listener).Single().DeliveryCount);
        Assert.Empty(transport.Saved);
    }

    [Fact]
    public async Task ListenAsync_CursorWithSavedSchedule_ContinuesItsCountAndDelay()
    {
        var time = new FakeTimeProvider(Start);
        var transport = new ScriptedTransport(1, time);
        AddEvents(transport, 0, 2);
        transport.Commits[0] = [1];
        transport.Saved[0] = new PartitionRedelivery(1, 3, Start.AddSeconds(30), Start.AddMinutes(-1));
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);

        Assert.Empty(Receive(listener));
        time.Advance(TimeSpan.FromSeconds(30));

        var delivery = Receive(listener).Single();
        Assert.Equal((1L, 4, Start.AddMinutes(-1)), (delivery.Offset, delivery.DeliveryCount, delivery.FirstFailedAt));
    }

    [Fact]
    public async Task TryReceive_UnreadableMessage_IsDeliveredInPlaceWithItsError()
    {
        var transport = new ScriptedTransport(1, new FakeTimeProvider(Start));
        var error = new EventFormatException("no specversion");
        transport.Add(0, Envelope("order-0"));
        transport.Add(0, Envelope("order-1"), error);
        transport.Add(0, Envelope("order-2"));
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);

        var batch = Receive(listener);

        Assert.Equal([null, error, null], batch.Select(d => d.Unreadable));
    }

    [Fact]
    public async Task DisposeAsync_LastMember_ClosesEveryCursorThenTheSource()
    {
        var transport = new ScriptedTransport(2, new FakeTimeProvider(Start));
        var first = await transport.ListenAsync(Topic, Group, Cancellation);
        var second = await transport.ListenAsync(Topic, Group, Cancellation);

        await first.DisposeAsync();
        Assert.Equal(2, transport.OpenCursors);
        Assert.False(await first.WaitToReceiveAsync(Cancellation));
        await second.DisposeAsync();

        Assert.Equal(0, transport.OpenCursors);
        Assert.Equal("source closed", transport.Events[^1]);
    }

    [Fact]
    public async Task SendManyAsync_KeylessBatch_GoesToOnePartitionAndNullSendsNothing()
    {
        var transport = new ScriptedTransport(4, new FakeTimeProvider(Start));
        await transport.SendManyAsync(Topic, [Envelope(null), Envelope(null), Envelope(null)], Cancellation);
        Assert.Single(transport.Partitions, p => p.Count == 3);

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await transport.SendManyAsync(Topic, [Envelope("order-1"), null!], Cancellation));
        Assert.Equal(3, transport.Partitions.Sum(p => p.Count));
    }

    private static void AddEvents(ScriptedTransport transport, int partition, int count)
    {
        for (var i = 0; i < count; i++)
        {
            transport.Add(partition, Envelope($"order-{i}"));
        }
    }

    private static List<TransportDelivery> Receive(ITransportListener listener)
    {
        var batch = new List<TransportDelivery>();
        listener.TryReceive(batch, 100);
        return batch;
    }

    private static EventEnvelope Envelope(string? key) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "shop.order-placed",
        Timestamp = Start,
        Source = "/shop/orders",
        CorrelationId = key ?? "none",
        PartitionKey = key,
        Data = "{}"u8.ToArray(),
    };
}
