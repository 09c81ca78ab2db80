using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Kafka.Tests;

[Event("kafka-test.order-placed")]
public sealed record OrderPlaced(string OrderId);

/// <summary>Fails for the groups a test names and records every attempt.</summary>
public sealed class OrderPlacedHandler(PipelineProbe probe) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        probe.Attempts.Enqueue((context.ConsumerGroup, context.Event.OrderId, probe.Clock.Elapsed));
        if (probe.Failing.ContainsKey(context.ConsumerGroup))
        {
            throw new TimeoutException($"card processor timed out for {context.Event.OrderId}");
        }

        probe.Handled.Enqueue((context.ConsumerGroup, context.Event.OrderId));
        return Task.CompletedTask;
    }
}

/// <summary>What the pipeline did, observed from the handler and the event observer.</summary>
public sealed class PipelineProbe : IEventObserver
{
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    public ConcurrentQueue<(string Group, string OrderId, TimeSpan At)> Attempts { get; } = new();

    public ConcurrentQueue<(string Group, string OrderId)> Handled { get; } = new();

    public TaskCompletionSource<DeadLetter> DeadLettered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnDeadLettered(DeadLetter letter) => DeadLettered.TrySetResult(letter);

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            // An integration test against a real server on real time: a short poll, bounded.
            await Task.Delay(20, timeout.Token);
        }
    }
}

/// <summary>Herald's retry pipeline on Kafka: a delayed retry re-reads the partition in place, then the dead-letter topic, then a redrive to the failed group only.</summary>
public sealed class KafkaPipelineTests(KafkaServer server)
{
    [Fact]
    public async Task FailingHandler_RetriesAfterDelayThenDeadLetters_RedriveReachesOnlyTheFailedGroup()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, billing, audit) = (KafkaTestSupport.Unique("orders"), KafkaTestSupport.Unique("billing"), KafkaTestSupport.Unique("audit"));
        var probe = new PipelineProbe();
        probe.Failing[billing] = true;
        var options = server.NewOptions();
        await using var services = new ServiceCollection()
            .AddSingleton(probe)
            .AddSingleton<IEventObserver>(probe)
            .AddHerald(h => h
                .UseKafka(o =>
                {
                    (o.BootstrapServers, o.Partitions, o.DeadLetterTopic, o.SessionTimeout) = (options.BootstrapServers, options.Partitions, options.DeadLetterTopic, options.SessionTimeout);
                    o.DeadLetterTopicConfigs.Clear();
                })
                .AddEvent<OrderPlaced>(e => e.Topic = topic)
                .AddHandler<OrderPlacedHandler>(billing)
                .AddHandler<OrderPlacedHandler>(audit)
                .ConfigureGroup(billing, g => (g.DelayedRetries, g.RedeliveryDelay, g.RedeliveryJitter) = (1, TimeSpan.FromMilliseconds(400), 0)))
            .BuildServiceProvider();
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(token);
        }

        var eventId = (await services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced("o1"), cancellationToken: token)).EventId;
        var letter = await probe.DeadLettered.Task.WaitAsync(TimeSpan.FromSeconds(15), token);

        var billingAttempts = probe.Attempts.Where(a => a.Group == billing).ToList();
        Assert.Equal(2, billingAttempts.Count);
        Assert.True(billingAttempts[1].At - billingAttempts[0].At >= TimeSpan.FromMilliseconds(350), $"Retried after {billingAttempts[1].At - billingAttempts[0].At}.");
        Assert.Equal((billing, eventId, 2), (letter.Group, letter.EventId, letter.Failure.Attempts));
        // Kept in the dead-letter topic, not in process memory: another process (a transport of its own) lists it.
        await using (var other = new KafkaTransport(options))
        {
            var stored = Assert.Single(await other.DeadLetterStore.GetAllAsync(token));
            Assert.Equal((billing, letter.Id, DeadLetterStatus.Pending), (stored.Group, stored.Id, stored.Status));
        }

        probe.Failing.Clear();
        var redriven = await services.GetRequiredService<IDeadLetters>().RedriveAsync(new DeadLetterFilter { EventIds = [eventId] }, cancellationToken: token);
        Assert.Single(redriven);
        await PipelineProbe.WaitUntilAsync(() => probe.Handled.Contains((billing, "o1")));
        await services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced("o2"), cancellationToken: token);
        await PipelineProbe.WaitUntilAsync(() => probe.Handled.Contains((billing, "o2")) && probe.Handled.Contains((audit, "o2")));

        Assert.Equal(["o1", "o2"], probe.Handled.Where(h => h.Group == audit).Select(h => h.OrderId));
        Assert.Equal(["o1", "o2"], probe.Handled.Where(h => h.Group == billing).Select(h => h.OrderId));
        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(token);
        }
    }
}
