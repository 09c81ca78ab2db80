using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Tests.Hosting;

/// <summary>A transport fault must not end a consumer member: it restarts and the events still get handled.</summary>
public sealed class TransportFaultTests
{
    private sealed class FaultyTransport(ITransport inner) : ITransport
    {
        public int FaultsLeft = 1;

        public string MessagingSystem => inner.MessagingSystem;

        public IDeadLetterStore DeadLetterStore => inner.DeadLetterStore;

        public ISequencePositionStore? SequencePositions => inner.SequencePositions;

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            inner.SendManyAsync(topic, envelopes, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            inner.GetLagAsync(topic, group, cancellationToken);

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
            inner.SendAsync(topic, envelope, cancellationToken);

        public async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            new FaultyListener(await inner.ListenAsync(topic, group, cancellationToken), this);
    }

    private sealed class FaultyListener(ITransportListener inner, FaultyTransport owner) : ITransportListener
    {
        public int TryReceive(List<TransportDelivery> deliveries, int maxCount) =>
            Interlocked.Decrement(ref owner.FaultsLeft) >= 0
                ? throw new IOException("connection reset by broker")
                : inner.TryReceive(deliveries, maxCount);

        public ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default) => inner.WaitToReceiveAsync(cancellationToken);

        public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default) => inner.CompleteAsync(delivery, cancellationToken);

        public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.RedeliverAsync(delivery, delay, cancellationToken);

        public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.DeferAsync(delivery, delay, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task ListenerThrows_MemberRestarts_AndEventsAreStillHandled()
    {
        var gate = new HostLifecycleTests.Gate { Target = 20 };
        var transport = new FaultyTransport(new InMemoryTransport());
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(gate);
        builder.Services.AddHerald(h => h.UseTransport(_ => transport).AddHandler<HostLifecycleTests.GatedHandler>("billing"));
        using var host = builder.Build();
        var publisher = host.Services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < 20; i++)
        {
            await publisher.PublishAsync(new OrderPlaced($"o{i}", i));
        }

        await host.StartAsync(TestContext.Current.CancellationToken);
        await gate.AllHandled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(transport.FaultsLeft < 0);
        Assert.Equal(20, gate.Handled);
    }
}
