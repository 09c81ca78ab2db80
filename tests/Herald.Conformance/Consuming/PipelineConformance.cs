using Herald.Conformance.Transports;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Consuming;

/// <summary>Checks Herald's consumer pipeline on a broker: delayed retries, the broker's durable dead letters and a
/// redrive to the failed group only. Every broker adds a one-line subclass with its fixture.</summary>
/// <remarks>
/// The host is configured as an application's is (<see cref="IPipelineBroker.Configure"/>), on real time: each wait is
/// for an event of the pipeline (a dead letter, a handled event), bounded by <see cref="Timeout"/>.
/// </remarks>
/// <typeparam name="TFixture">Creates the broker places the tests run on.</typeparam>
public abstract class PipelineConformance<TFixture> : IClassFixture<TFixture>
    where TFixture : class, IPipelineFixture
{
    private static readonly TimeSpan RedeliveryDelay = TimeSpan.FromMilliseconds(400);
    private readonly TFixture _fixture;

    /// <summary>Creates the suite over the class's fixture.</summary>
    protected PipelineConformance(TFixture fixture) => _fixture = fixture;

    /// <summary>Gets how long one test may wait for each thing the pipeline must do. Default 15 seconds.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(15);

    [Fact]
    public async Task FailingHandler_RetriedAfterDelayThenDeadLettered_RedriveReachesOnlyTheFailedGroup()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, billing, audit) = (UniqueName("orders"), UniqueName("billing"), UniqueName("audit"));
        var probe = new PipelineProbe();
        probe.Failing[billing] = true;
        var broker = await _fixture.CreateBrokerAsync(token);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(probe).AddSingleton<IEventObserver>(probe).AddHerald(h =>
        {
            broker.Configure(h);
            h.AddEvent<OrderPlaced>(e => e.Topic = topic)
                .AddHandler<OrderPlacedHandler>(billing)
                .AddHandler<OrderPlacedHandler>(audit)
                .ConfigureGroup(billing, g => (g.DelayedRetries, g.RedeliveryDelay, g.RedeliveryJitter) = (1, RedeliveryDelay, 0));
        });
        using var host = builder.Build();
        await host.StartAsync(token);
        try
        {
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            var deadLetters = host.Services.GetRequiredService<IDeadLetters>();
            // One key for both events: a redrive that reached audit would come out of o1's partition before "o2" does.
            var sameKey = new PublishOptions { PartitionKey = "o1" };
            var eventId = (await publisher.PublishAsync(new OrderPlaced("o1"), sameKey, token)).EventId;
            var letter = await probe.DeadLettered.Task.WaitAsync(Timeout, token);

            var billingAttempts = probe.Attempts.Where(a => a.Group == billing).ToList();
            Assert.Equal(2, billingAttempts.Count);
            Assert.True(billingAttempts[1].At - billingAttempts[0].At >= RedeliveryDelay - TimeSpan.FromMilliseconds(50), $"Retried after {billingAttempts[1].At - billingAttempts[0].At}.");
            Assert.Equal((billing, eventId, 2), (letter.Group, letter.EventId, letter.Failure.Attempts));
            Assert.Equal(DeadLetterStatus.Pending, (await host.Services.GetRequiredService<ITransport>().DeadLetterStore.GetAsync(billing, letter.Id, token))?.Status);
            Assert.Equal(letter.Id, Assert.Single(await deadLetters.ListAsync(cancellationToken: token)).Id);
            // Kept by the broker, not in process memory: a transport of its own, as another process would open, lists it.
            var other = await broker.OpenTransportAsync(token);
            try
            {
                var stored = Assert.Single(await other.DeadLetterStore.GetAllAsync(token));
                Assert.Equal((billing, letter.Id, DeadLetterStatus.Pending), (stored.Group, stored.Id, stored.Status));
            }
            finally
            {
                await TransportDisposal.DisposeAsync(other);
            }

            probe.Failing.Clear();
            Assert.Single(await deadLetters.RedriveAsync(new DeadLetterFilter { EventIds = [eventId] }, cancellationToken: token));
            await probe.WaitUntilHandledAsync(() => probe.Handled.Contains((billing, "o1")), Timeout);
            await publisher.PublishAsync(new OrderPlaced("o2"), sameKey, token);
            await probe.WaitUntilHandledAsync(() => probe.Handled.Contains((billing, "o2")) && probe.Handled.Contains((audit, "o2")), Timeout);

            Assert.Equal(["o1", "o2"], probe.Handled.Where(h => h.Group == audit).Select(h => h.OrderId));
            Assert.Equal(["o1", "o2"], probe.Handled.Where(h => h.Group == billing).Select(h => h.OrderId));
            // No attempt after the dead letter but the redrive's: two failures, then the redriven o1, then o2.
            Assert.Equal(["o1", "o1", "o1", "o2"], probe.Attempts.Where(a => a.Group == billing).Select(a => a.OrderId));
            Assert.Empty(await deadLetters.ListAsync(cancellationToken: token));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Returns a name no other test uses, for topics and groups on a shared broker.</summary>
    protected virtual string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
