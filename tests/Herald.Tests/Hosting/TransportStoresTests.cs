using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Testing;
using Herald.Tests.Consuming;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Hosting;

/// <summary>The transport's stores: Herald takes the transport's dead-letter store and sequence positions (or the positions the
/// application registered), and never keeps them in process memory behind the transport's back.</summary>
public sealed class TransportStoresTests
{
    private static readonly CancellationToken Token = TestContext.Current.CancellationToken;

    private static void Reordering(HeraldBuilder h, ITransport transport) => h
        .UseTransport(_ => transport)
        .AddHandler<PlannedPlacedHandler>("billing")
        .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions());

    private static async Task PublishAsync(HeraldTestHarness harness, string key, long sequence) =>
        await harness.PublishAsync(new OrderPlaced($"{key}/{sequence}", 1), new PublishOptions { PartitionKey = key, Sequence = sequence }, Token);

    [Fact]
    public async Task HostStart_ReorderingGroupAndTransportWithoutPositions_RefusesNamingTheGroupAndWhatToRegister()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new FailurePlan()).AddHerald(h => Reordering(h, new PositionlessTransport(new InMemoryTransport())));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Token));

        Assert.Contains("Consumer group 'billing' on topic 'test.order-placed' enables Reorder", error.Message, StringComparison.Ordinal);
        Assert.Contains("PositionlessTransport", error.Message, StringComparison.Ordinal);
        Assert.Contains("services.AddSingleton<ISequencePositionStore>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwoReorderingGroupsAndOneWithout_NamesTheReorderingOnes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(
            h => h
                .UseTransport(_ => new PositionlessTransport(new InMemoryTransport()))
                .AddHandler<PlannedPlacedHandler>("billing")
                .AddHandler<PlannedPlacedHandler>("audit")
                .AddHandler<PlannedPlacedHandler>("shipping")
                .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions())
                .ConfigureGroup("shipping", g => g.Reorder = new ReorderOptions()),
            s => s.AddSingleton(new FailurePlan())));

        Assert.StartsWith("Consumer groups 'billing' on topic 'test.order-placed', 'shipping' on topic 'test.order-placed' enable Reorder", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("audit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReorderingGroup_ApplicationRegisteredPositions_TheGroupResumesFromThem()
    {
        var plan = new FailurePlan();
        var positions = new InMemorySequencePositionStore();
        await positions.SaveAsync("billing", "test.order-placed", [new("a", 2)], Token);
        await using var harness = HeraldTestHarness.Create(
            h => Reordering(h, new PositionlessTransport(new InMemoryTransport())),
            s => s.AddSingleton(plan).AddSingleton<ISequencePositionStore>(positions));

        await PublishAsync(harness, "a", 2);
        await PublishAsync(harness, "a", 3);
        await harness.ProcessPendingAsync(cancellationToken: Token);

        // Sequence 2 was dealt with before, by the registered positions: a duplicate; 3 is next and handled without waiting for 1.
        Assert.Equal(["a/3"], plan.Handled.Select(h => h.OrderId));
        Assert.Single(harness.Duplicates);
        Assert.Equal(3, await positions.GetAsync("billing", "test.order-placed", "a", Token));
    }

    [Fact]
    public async Task ReorderingGroup_TransportAndApplicationPositions_TheApplicationsWin()
    {
        var plan = new FailurePlan();
        var registered = new InMemorySequencePositionStore();
        var transport = new InMemoryTransport();
        await using var harness = HeraldTestHarness.Create(h => Reordering(h, transport), s => s.AddSingleton(plan).AddSingleton<ISequencePositionStore>(registered));

        await PublishAsync(harness, "a", 1);
        await harness.ProcessPendingAsync(cancellationToken: Token);

        Assert.Equal(["a/1"], plan.Handled.Select(h => h.OrderId));
        Assert.Equal(1, await registered.GetAsync("billing", "test.order-placed", "a", Token));
        Assert.Null(await transport.SequencePositions.GetAsync("billing", "test.order-placed", "a", Token));
    }

    [Fact]
    public async Task NoReorderingGroup_TransportWithoutPositions_HandlesEvents()
    {
        var plan = new FailurePlan();
        await using var harness = HeraldTestHarness.Create(
            h => h.UseTransport(_ => new PositionlessTransport(new InMemoryTransport())).AddHandler<PlannedPlacedHandler>("billing"),
            s => s.AddSingleton(plan));

        await PublishAsync(harness, "a", 1);
        await harness.ProcessPendingAsync(cancellationToken: Token);

        Assert.Equal(["a/1"], plan.Handled.Select(h => h.OrderId));
    }

    [Fact]
    public void Create_TransportReturnsNoDeadLetterStore_RefusesNamingTheTransport()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(
            h => h.UseTransport(_ => new PositionlessTransport(new InMemoryTransport(), deadLetters: false)).AddHandler<PlannedPlacedHandler>("billing"),
            s => s.AddSingleton(new FailurePlan())));

        Assert.Contains("PositionlessTransport returned no DeadLetterStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLetters_TransportsStore_ReceivesTheGroupsLetters()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "a/1");
        var transport = new InMemoryTransport();
        await using var harness = HeraldTestHarness.Create(
            h => h.UseTransport(_ => transport).AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g => g.DelayedRetries = 0),
            s => s.AddSingleton(plan));

        await PublishAsync(harness, "a", 1);
        await harness.ProcessPendingAsync(cancellationToken: Token);

        var letter = Assert.Single(await transport.DeadLetterStore.GetAllAsync(Token));
        Assert.Equal("billing", letter.Group);
    }

    /// <summary>An in-memory transport that keeps no sequence positions (as RabbitMQ) and, when asked, returns no dead-letter store.</summary>
    private sealed class PositionlessTransport(InMemoryTransport inner, bool deadLetters = true) : ITransport
    {
        public string MessagingSystem => inner.MessagingSystem;

        public IDeadLetterStore DeadLetterStore => deadLetters ? inner.DeadLetterStore : null!;

        public ISequencePositionStore? SequencePositions => null;

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
            inner.SendAsync(topic, envelope, cancellationToken);

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            inner.SendManyAsync(topic, envelopes, cancellationToken);

        public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            inner.ListenAsync(topic, group, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            inner.GetLagAsync(topic, group, cancellationToken);
    }
}
