using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming.Ordering;

/// <summary>
/// A partition that moves to another member and back is delivered again from its committed offset: what the reorder
/// buffer released or holds of it must pass the buffer again, not be taken for duplicates of deliveries that are void.
/// </summary>
public sealed class ReorderReplayTests
{
    [Fact]
    public async Task PartitionDeliveredAgain_WhileReleasedEventsWaitBehindARetry_EveryEventIsStillHandled()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "a/1")] = 1;
        var transport = new ReplayingTransport(new InMemoryTransport());
        await using var harness = HeraldTestHarness.Create(
            h => h.UseTransport(_ => transport).AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g =>
                g.Reorder = new ReorderOptions { GapTimeout = TimeSpan.FromSeconds(10) }),
            s => s.AddSingleton(plan));

        await PublishAsync(harness, "a", 1);
        await PublishAsync(harness, "a", 2);
        await PublishAsync(harness, "a", 4);
        await harness.ProcessPendingAsync();

        // a/1 failed and waits for its retry; a/2 was released behind it; a/4 waits in the buffer for a/3.
        Assert.Empty(plan.Handled);

        transport.ReplayUncompleted(Topic(harness));
        await harness.ProcessPendingAsync();
        await PublishAsync(harness, "a", 3);
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(["a/1", "a/2", "a/3", "a/4"], plan.Handled.Select(h => h.OrderId).Distinct());
        Assert.Empty(harness.DeadLettered);
        Assert.Equal(0, transport.Uncompleted);
    }

    [Fact]
    public async Task PartitionDeliveredAgain_AfterEverythingWasHandled_RepeatsAreDuplicatesAndNothingIsHandledTwice()
    {
        var plan = new FailurePlan();
        var transport = new ReplayingTransport(new InMemoryTransport());
        await using var harness = HeraldTestHarness.Create(
            h => h.UseTransport(_ => transport).AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g =>
                g.Reorder = new ReorderOptions { GapTimeout = TimeSpan.FromSeconds(10) }),
            s => s.AddSingleton(plan));
        await PublishAsync(harness, "a", 1);
        await PublishAsync(harness, "a", 2);
        await harness.ProcessPendingAsync();

        transport.ReplayAll(Topic(harness));
        await harness.ProcessPendingAsync();

        Assert.Equal(["a/1", "a/2"], plan.Handled.Select(h => h.OrderId));
        Assert.Equal(2, harness.Duplicates.Count);
    }

    private static string Topic(HeraldTestHarness harness) => harness.Registry.Get(typeof(OrderPlaced)).Topic;

    private static async Task PublishAsync(HeraldTestHarness harness, string key, long sequence) =>
        await harness.PublishAsync(new OrderPlaced($"{key}/{sequence}", 1), new PublishOptions { PartitionKey = key, Sequence = sequence });

    /// <summary>The in-memory transport, with a listener that can hand out again what it handed out, as a transport
    /// does when a partition moves away and comes back: same offsets, new deliveries.</summary>
    private sealed class ReplayingTransport(InMemoryTransport inner) : ITransport, IAsyncDisposable
    {
        // The group listens to the event's topic and to its redrive topic; the event's topic is replayed.
        private readonly Dictionary<string, ReplayingListener> _listeners = [];

        public int Uncompleted => _listeners.Values.Sum(l => l.Uncompleted);

        public string MessagingSystem => inner.MessagingSystem;

        public IDeadLetterStore DeadLetterStore => inner.DeadLetterStore;

        public ISequencePositionStore? SequencePositions => inner.SequencePositions;

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
            inner.SendAsync(topic, envelope, cancellationToken);

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            inner.SendManyAsync(topic, envelopes, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            inner.GetLagAsync(topic, group, cancellationToken);

        public async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            _listeners[topic] = new ReplayingListener(await inner.ListenAsync(topic, group, cancellationToken));

        public void ReplayUncompleted(string topic) => _listeners[topic].Replay(all: false);

        public void ReplayAll(string topic) => _listeners[topic].Replay(all: true);

        public async ValueTask DisposeAsync()
        {
            foreach (var listener in _listeners.Values)
            {
                await listener.DisposeAsync();
            }
        }
    }

    private sealed class ReplayingListener(ITransportListener inner) : ITransportListener
    {
        private readonly List<TransportDelivery> _handedOut = [];
        private readonly HashSet<(int, long)> _completed = [];
        private readonly Queue<TransportDelivery> _again = new();

        public int Uncompleted => _handedOut.Count(d => !_completed.Contains((d.Partition, d.Offset)));

        public void Replay(bool all)
        {
            foreach (var delivery in _handedOut.Where(d => all || !_completed.Contains((d.Partition, d.Offset))).OrderBy(d => d.Offset))
            {
                _again.Enqueue(new TransportDelivery(delivery.Envelope, delivery.Partition, delivery.Offset, 1) { State = delivery.State });
            }
        }

        public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
        {
            var added = 0;
            while (added < maxCount && _again.TryDequeue(out var again))
            {
                deliveries.Add(again);
                added++;
            }

            var start = deliveries.Count;
            added += inner.TryReceive(deliveries, maxCount - added);
            _handedOut.AddRange(deliveries.Skip(start));
            return added;
        }

        public ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default) =>
            _again.Count > 0 ? new(true) : inner.WaitToReceiveAsync(cancellationToken);

        public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default)
        {
            _completed.Add((delivery.Partition, delivery.Offset));
            return inner.CompleteAsync(delivery, cancellationToken);
        }

        public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.RedeliverAsync(delivery, delay, cancellationToken);

        public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.DeferAsync(delivery, delay, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
