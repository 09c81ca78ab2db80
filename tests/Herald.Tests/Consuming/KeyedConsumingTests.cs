using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

/// <summary>Counts how many handler calls run at once.</summary>
public sealed class Concurrency
{
    private int _running;

    public int Max { get; private set; }

    public ConcurrentQueue<string> Order { get; } = new();

    public async Task RunAsync(string what)
    {
        var now = Interlocked.Increment(ref _running);
        lock (Order)
        {
            Max = Math.Max(Max, now);
        }

        await Task.Delay(20);
        Order.Enqueue(what);
        Interlocked.Decrement(ref _running);
    }
}

public sealed class SlowPlacedHandler(Concurrency concurrency) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context) => concurrency.RunAsync($"{context.Event.OrderId}#{context.Event.Amount}");
}

public sealed class KeyedConsumingTests
{
    private const string Topic = "test.order-placed";

    private static HeraldTestHarness Harness(FailurePlan plan, Action<ConsumerGroupOptions>? configure = null) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g =>
            {
                (g.MaxConcurrentKeys, g.RedeliveryDelay, g.RedeliveryJitter) = (8, TimeSpan.FromSeconds(1), 0);
                configure?.Invoke(g);
            }),
            s => s.AddSingleton(plan));

    /// <summary>Returns <paramref name="count"/> keys that land in the same partition of the in-memory transport's 8.</summary>
    private static string[] KeysInOnePartition(int count) =>
        [.. Enumerable.Range(0, 1000).Select(i => $"key-{i}").Where(k => KeyPartitioner.Partition(k, 8) == KeyPartitioner.Partition("key-0", 8)).Take(count)];

    private static async Task Publish(HeraldTestHarness harness, string key, int n) =>
        await harness.PublishAsync(new OrderPlaced($"{key}/{n}", n), new PublishOptions { PartitionKey = key });

    [Fact]
    public async Task FirstEventOfAKeyFailsTwice_ItsLaterEventsWait_OtherKeysOfTheSamePartitionFlow()
    {
        var plan = new FailurePlan();
        var keys = KeysInOnePartition(3);
        plan.FailuresLeft[("billing", $"{keys[0]}/1")] = 2;
        await using var harness = Harness(plan);
        foreach (var n in new[] { 1, 2, 3 })
        {
            foreach (var key in keys)
            {
                await Publish(harness, key, n);
            }
        }

        await harness.ProcessPendingAsync();

        string[] Handled(string key) => [.. plan.Handled.Select(h => h.OrderId).Where(id => id.StartsWith(key + "/", StringComparison.Ordinal))];
        Assert.Empty(Handled(keys[0]));
        Assert.Equal([$"{keys[1]}/1", $"{keys[1]}/2", $"{keys[1]}/3"], Handled(keys[1]));
        Assert.Equal([$"{keys[2]}/1", $"{keys[2]}/2", $"{keys[2]}/3"], Handled(keys[2]));
        // Settled in offset order: the group's position stays at the waiting event, the first of the partition.
        var transport = Assert.IsType<InMemoryTransport>(harness.Transport);
        Assert.Equal(9, transport.GetBacklog(Topic, "billing"));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(Handled(keys[0]));
        Assert.Equal([1, 2], harness.FailedIn("billing").Select(f => f.Attempt));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2));
        Assert.Equal([$"{keys[0]}/1", $"{keys[0]}/2", $"{keys[0]}/3"], Handled(keys[0]));
        Assert.Equal(3, plan.Handled.First(h => h.OrderId == $"{keys[0]}/1").Attempt);
        Assert.Equal(0, transport.GetBacklog(Topic, "billing"));
    }

    [Fact]
    public async Task KeyAlwaysFails_DeadLetteredAfterItsRetries_ThenItsLaterEventsRun()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "a/1");
        await using var harness = Harness(plan, g => g.DelayedRetries = 2);
        await Publish(harness, "a", 1);
        await Publish(harness, "a", 2);

        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2));

        var letter = Assert.Single(harness.DeadLettered);
        Assert.Equal((3, harness.Time.GetUtcNow() - TimeSpan.FromSeconds(3)), (letter.Failure.Attempts, letter.Failure.FirstFailureAt));
        Assert.Equal(["a/2"], plan.Handled.Select(h => h.OrderId));
        Assert.Equal(0, Assert.IsType<InMemoryTransport>(harness.Transport).GetBacklog(Topic, "billing"));
    }

    [Fact]
    public async Task ManyKeys_RunConcurrentlyUpToTheLimit_EachKeyInOrder()
    {
        var concurrency = new Concurrency();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<SlowPlacedHandler>("billing").ConfigureGroup("billing", g => g.MaxConcurrentKeys = 3),
            s => s.AddSingleton(concurrency));
        for (var n = 1; n <= 3; n++)
        {
            foreach (var key in KeysInOnePartition(6))
            {
                await harness.PublishAsync(new OrderPlaced(key, n), new PublishOptions { PartitionKey = key });
            }
        }

        await harness.ProcessPendingAsync();

        Assert.Equal(18, concurrency.Order.Count);
        Assert.InRange(concurrency.Max, 2, 3);
        foreach (var key in KeysInOnePartition(6))
        {
            Assert.Equal([$"{key}#1", $"{key}#2", $"{key}#3"], concurrency.Order.Where(o => o.StartsWith(key + "#", StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void MaxConcurrentKeysOutOfRange_ConfigurationErrorNamesTheGroup(int keys)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Harness(new FailurePlan(), g => g.MaxConcurrentKeys = keys));
        Assert.Contains("'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxConcurrentKeys", error.Message, StringComparison.Ordinal);
    }
}

public sealed class KeyedHostTests
{
    public sealed class Counting(FailurePlan plan, TaskCompletionSource done) : IEventHandler<OrderPlaced>
    {
        public async Task HandleAsync(EventContext<OrderPlaced> context)
        {
            await new PlannedPlacedHandler(plan).HandleAsync(context);
            if (plan.Handled.Count == 200)
            {
                done.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Host_ManyKeysWithARetry_EveryEventHandledOnceInKeyOrder()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "k3/0")] = 1;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(plan).AddSingleton(done);
        builder.Services.AddHerald(h => h
            .UseInMemoryTransport()
            .AddHandler<Counting>("billing")
            .ConfigureGroup("billing", g => (g.MaxConcurrentKeys, g.BatchSize, g.RedeliveryDelay) = (4, 16, TimeSpan.FromMilliseconds(50))));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var publisher = host.Services.GetRequiredService<IEventPublisher>();
        for (var n = 0; n < 10; n++)
        {
            for (var k = 0; k < 20; k++)
            {
                await publisher.PublishAsync(new OrderPlaced($"k{k}/{n}", n), new PublishOptions { PartitionKey = $"k{k}" }, TestContext.Current.CancellationToken);
            }
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(200, plan.Handled.Select(h => h.OrderId).Distinct().Count());
        for (var k = 0; k < 20; k++)
        {
            Assert.Equal(Enumerable.Range(0, 10).Select(n => $"k{k}/{n}"), plan.Handled.Select(h => h.OrderId).Where(id => id.StartsWith($"k{k}/", StringComparison.Ordinal)));
        }

        Assert.Equal(0, Assert.IsType<InMemoryTransport>(host.Services.GetRequiredService<Herald.Transports.ITransport>()).GetBacklog("test.order-placed", "billing"));
    }
}
