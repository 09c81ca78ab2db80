using System.Text;
using Herald.Events;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports.InMemory;

// The in-memory transport hands out whatever is ready synchronously, so these tests call
// TryReceive directly; only the redelivery delay needs a wait, on fake time.
public sealed class InMemoryTransportTests
{
    private const string Topic = "orders";
    private const string Group = "billing";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RedeliverAsync_WithDelay_ReadyOnlyOnceDelayHasPassed()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(timeProvider: time);
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        await transport.SendAsync(Topic, Envelope("order-1", 0), Cancellation);
        var batch = new List<TransportDelivery>();
        Assert.Equal(1, listener.TryReceive(batch, 10));

        await listener.RedeliverAsync(batch[0], TimeSpan.FromSeconds(10), Cancellation);
        batch.Clear();
        Assert.Equal(0, listener.TryReceive(batch, 10));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, listener.TryReceive(batch, 10));
        var wait = listener.WaitToReceiveAsync(Cancellation).AsTask();
        Assert.False(wait.IsCompleted, "The delivery was ready before its redelivery delay ended.");

        time.Advance(TimeSpan.FromSeconds(1));

        // Real time bounds the wait only so that a missed timer fails instead of hanging.
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(5), Cancellation));
        Assert.Equal(1, listener.TryReceive(batch, 10));
        Assert.Equal(0, batch[0].Offset);
        Assert.Equal(2, batch[0].DeliveryCount);
    }

    [Fact]
    public async Task GetBacklog_SomeCompleted_EqualsPublishedMinusCompleted()
    {
        var transport = new InMemoryTransport();
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        for (var i = 0; i < 20; i++)
        {
            await transport.SendAsync(Topic, Envelope($"order-{i % 6}", i), Cancellation);
        }

        Assert.Equal(20, transport.GetBacklog(Topic, Group));
        var batch = new List<TransportDelivery>();
        Assert.Equal(20, listener.TryReceive(batch, 100));
        Assert.Equal(20, transport.GetBacklog(Topic, Group));

        // Batch order is offset order within each partition, so any prefix completes a prefix of every partition.
        for (var completed = 1; completed <= batch.Count; completed++)
        {
            await listener.CompleteAsync(batch[completed - 1], Cancellation);
            Assert.Equal(20 - completed, transport.GetBacklog(Topic, Group));
        }

        Assert.Equal(0, transport.GetBacklog(Topic, Group));
    }

    [Fact]
    public void GetBacklog_UnknownTopic_ReturnsZero() =>
        Assert.Equal(0, new InMemoryTransport().GetBacklog(Topic, Group));

    [Fact]
    public async Task CompleteAsync_EventsCompletedByEveryGroup_TrimmedWithOffsetsContinuing()
    {
        const int Before = 2_100;
        const int After = 50;
        var transport = new InMemoryTransport();
        await using var listener = await transport.ListenAsync(Topic, Group, Cancellation);
        for (var i = 0; i < Before; i++)
        {
            await transport.SendAsync(Topic, Envelope("order-1", i), Cancellation);
        }

        var batch = new List<TransportDelivery>();
        Assert.Equal(Before, listener.TryReceive(batch, int.MaxValue));
        foreach (var delivery in batch)
        {
            await listener.CompleteAsync(delivery, Cancellation);
        }

        for (var i = Before; i < Before + After; i++)
        {
            await transport.SendAsync(Topic, Envelope("order-1", i), Cancellation);
        }

        batch.Clear();
        Assert.Equal(After, listener.TryReceive(batch, int.MaxValue));
        Assert.Equal(Enumerable.Range(Before, After).Select(i => (long)i), batch.Select(d => d.Offset));
        Assert.All(batch, d => Assert.Equal(d.Offset, d.Envelope.Sequence));
        Assert.Equal(After, transport.GetBacklog(Topic, Group));

        // A group that joins now starts at the earliest event still held: the trimmed ones are gone.
        await using var late = await transport.ListenAsync(Topic, "audit", Cancellation);
        var held = new List<TransportDelivery>();
        late.TryReceive(held, int.MaxValue);
        Assert.InRange(held[0].Offset, 1, Before);
        Assert.Equal(Enumerable.Range((int)held[0].Offset, held.Count).Select(i => (long)i), held.Select(d => d.Offset));
        Assert.Equal(Before + After - 1, held[^1].Offset);
        Assert.All(held, d => Assert.Equal(d.Offset, d.Envelope.Sequence));
    }

    private static EventEnvelope Envelope(string key, long sequence) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "shop.order-placed",
        Timestamp = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Source = "/shop/orders",
        CorrelationId = key,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes($$"""{"sequence":{{sequence}}}"""),
    };
}
