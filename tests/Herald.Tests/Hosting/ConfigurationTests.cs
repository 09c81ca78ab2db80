using Herald.Consuming;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Hosting;

public sealed class ConfigurationTests
{
    private sealed class NotAnnotatedHandler : IEventHandler<NotAnnotated>
    {
        public Task HandleAsync(EventContext<NotAnnotated> context) => Task.CompletedTask;
    }

    private sealed class SecondPlacedHandler : IEventHandler<OrderPlaced>
    {
        public Task HandleAsync(EventContext<OrderPlaced> context) => Task.CompletedTask;
    }

    [ConsumerGroup("scanned")]
    internal sealed class ScannedHandler : IEventHandler<OrderPaid>
    {
        public Task HandleAsync(EventContext<OrderPaid> context) => Task.CompletedTask;
    }

    /// <summary>Counts the group members joined through it and not yet left (listeners opened and not disposed).</summary>
    private sealed class MembershipTransport(ITransport inner) : DelegatingTransport(inner)
    {
        private int _members;

        public int Members => Volatile.Read(ref _members);

        public override async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default)
        {
            var listener = await Inner.ListenAsync(topic, group, cancellationToken);
            Interlocked.Increment(ref _members);
            return new MemberListener(listener, () => Interlocked.Decrement(ref _members));
        }
    }

    /// <summary>What <see cref="HeraldBuilder.UseTransport{TTransport, TOptions}"/> handed the transport's public constructor.</summary>
    internal sealed class ConstructedOptions
    {
        public string Name { get; set; } = "default";
    }

    internal sealed class ConstructedTransport(ConstructedOptions options, TimeProvider? clock = null, ILogger<ConstructedTransport>? logger = null, EventLimits? limits = null)
        : DelegatingTransport(new InMemoryTransport())
    {
        public ConstructedOptions Options => options;

        public TimeProvider? Clock => clock;

        public ILogger? Logger => logger;

        public EventLimits? Limits => limits;
    }

    private sealed class MemberListener(ITransportListener inner, Action left) : ITransportListener
    {
        private int _disposed;

        public int TryReceive(List<TransportDelivery> deliveries, int maxCount) => inner.TryReceive(deliveries, maxCount);

        public ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default) => inner.WaitToReceiveAsync(cancellationToken);

        public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default) => inner.CompleteAsync(delivery, cancellationToken);

        public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.RedeliverAsync(delivery, delay, cancellationToken);

        public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
            inner.DeferAsync(delivery, delay, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                left();
            }
        }
    }

    private static InvalidOperationException Fails(Action<HeraldBuilder> configure) =>
        Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(configure, s => s.AddSingleton(new Consuming.Journal())));

    [Fact]
    public void UseTransportWithOptions_BuildsTheTransportOnceWithTheOptionsTheContainersClockLoggerAndHeraldsLimits()
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock).AddLogging();
        services.AddHerald(h =>
        {
            h.Options.Limits.MaxEventSize = 4_096;
            h.UseTransport<ConstructedTransport, ConstructedOptions>(o => o.Name = "configured");
        });
        using var provider = services.BuildServiceProvider();

        var transport = Assert.IsType<ConstructedTransport>(provider.GetRequiredService<ITransport>());

        Assert.Same(transport, provider.GetRequiredService<ITransport>());
        Assert.Equal("configured", transport.Options.Name);
        Assert.Same(clock, transport.Clock);
        Assert.NotNull(transport.Logger);
        Assert.Equal(4_096, transport.Limits?.MaxEventSize);
    }

    [Fact]
    public void UseTransportWithOptions_ValidateThrows_FailsWhenConfiguredNotWhenTheHostStarts()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddHerald(h => h.UseTransport<ConstructedTransport, ConstructedOptions>(
            o => o.Name = string.Empty, o => ArgumentException.ThrowIfNullOrEmpty(o.Name, nameof(o.Name)))));

        Assert.Equal("Name", error.ParamName);
    }

    [Fact]
    public void HandlerOfTypeWithoutEventName_FailsStartNamingTheType()
    {
        var error = Fails(h => h.AddHandler<NotAnnotatedHandler>("g"));

        Assert.Contains(typeof(NotAnnotated).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoHandlersForOneEventInOneGroup_FailsStartNamingBoth()
    {
        var error = Fails(h => h.AddHandler<Consuming.RecordingPlacedHandler>("billing").AddHandler<SecondPlacedHandler>("billing"));

        Assert.Contains(nameof(SecondPlacedHandler), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Consuming.RecordingPlacedHandler), error.Message, StringComparison.Ordinal);
        Assert.Contains("'billing'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Order.Created")]
    [InlineData("order created")]
    [InlineData("order..created")]
    public void InvalidEventName_FailsStartNamingIt(string name)
    {
        var error = Fails(h => h.AddEvent<NotAnnotated>(e => e.Name = name));

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneNameForTwoTypes_FailsStart()
    {
        var error = Fails(h => h.AddEvent<OrderPlaced>().AddEvent<NotAnnotated>(e => e.Name = "test.order-placed"));

        Assert.Contains("'test.order-placed'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigureGroupWithoutHandlers_FailsStartNamingTheGroup()
    {
        var error = Fails(h => h.AddHandler<Consuming.RecordingPlacedHandler>("billing").ConfigureGroup("biling", g => g.Members = 2));

        Assert.Contains("'biling'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidGroupOptions_FailStart()
    {
        var error = Fails(h => h.AddHandler<Consuming.RecordingPlacedHandler>("billing").ConfigureGroup("billing", g => g.Members = 0));

        Assert.Contains("Members", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceProvider_DisposedSynchronously_LeavesTheGroups()
    {
        var transport = new MembershipTransport(new InMemoryTransport());
        var services = new ServiceCollection().AddHerald(h => h.UseTransport(_ => transport).AddHandler<SecondPlacedHandler>("billing"));
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IConsumerDriver>().ProcessAvailableAsync(TestContext.Current.CancellationToken);
        var joined = transport.Members;

        provider.Dispose();

        // The group listens on its topic and on its redrive topic: every one of those members must be gone.
        Assert.Equal(2, joined);
        Assert.Equal(0, transport.Members);
    }

    [Fact]
    public async Task AddEventsFromAssembly_RegistersEveryAnnotatedRecord()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEventsFromAssembly(typeof(ConfigurationTests).Assembly));

        Assert.True(harness.Registry.TryGet("test.order-shipped", out var shipped));
        Assert.Equal(typeof(OrderShipped), shipped.ClrType);
        Assert.False(harness.Registry.TryGet(typeof(NotAnnotated), out _));
    }

    [Fact]
    public void AddHeraldTwice_Fails()
    {
        var services = new ServiceCollection().AddHerald();

        Assert.Throws<InvalidOperationException>(() => services.AddHerald());
    }

    [Fact]
    public void AssemblyScan_FindsEveryHandler_AndKeepsOneHandlerPerEventAndGroup()
    {
        // The test assembly holds several OrderPlaced handlers without a group attribute: one group cannot take them all.
        var error = Fails(h => h.AddHandlersFromAssembly(typeof(ConfigurationTests).Assembly, group: "default-group").AddEvent<NotAnnotated>(e => e.Name = "test.not-annotated"));

        Assert.Contains("'default-group'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'test.order-placed'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandlerWithConsumerGroupAttribute_RunsInThatGroup()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<ScannedHandler>());

        await harness.PublishAsync(new OrderPaid("o1"));
        await harness.ProcessPendingAsync();

        Assert.Equal("scanned", Assert.Single(harness.Handled).Group);
    }

    [Fact]
    public async Task HandlerWithoutGroup_RunsInTheServiceGroup()
    {
        await using var harness = HeraldTestHarness.Create(h =>
        {
            h.Options.ServiceName = "billing-service";
            h.AddHandler<SecondPlacedHandler>();
        });

        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();

        var handled = Assert.Single(harness.Handled);
        Assert.Equal(("billing-service", "billing-service"), (handled.Group, handled.Envelope.Source));
    }

    [Fact]
    public async Task PublishUnregisteredType_FailsNamingTheType()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.PublishAsync(new OrderPaid("o1")).AsTask());

        Assert.Contains(typeof(OrderPaid).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tenant")]
    [InlineData("tenant-id")]
    [InlineData("depth")]
    [InlineData("averyveryverylongheadername")]
    public async Task PublishWithInvalidHeaderName_FailsNamingTheHeader(string name)
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>());
        var options = new PublishOptions { Headers = { [name] = "x" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => harness.PublishAsync(new OrderPlaced("o1", 1), options).AsTask());

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishWithHeadersAndKeySelector_CarriesThem()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>(e => e.PartitionKey(o => o.OrderId)));

        var envelope = await harness.PublishAsync(new OrderPlaced("o9", 1), new PublishOptions { Headers = { ["tenant"] = "acme" }, Sequence = 3 });

        Assert.Equal(("o9", "acme", 3L), (envelope.PartitionKey, envelope.Extensions["tenant"], envelope.Sequence));
    }
}
