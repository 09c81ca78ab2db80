using Herald.DeadLetters;
using Herald.Nats.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.JetStream;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>The dead-letter bucket as health checks and metrics use it: listed on every probe.</summary>
public sealed class NatsDeadLetterStoreTests(NatsServer server)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetAllAsync_ProbesWithinTheCacheDuration_ListTheBucketOnce()
    {
        var options = server.NewOptions();
        var time = new FakeTimeProvider();
        var jetStream = new NatsJSContext(server.Connection);
        var probed = new NatsDeadLetterStore(jetStream, options, time, NullLogger.Instance);
        var otherProcess = new NatsDeadLetterStore(jetStream, options, time, NullLogger.Instance);
        await probed.SaveAsync(Letter(Unique("billing")), Token);
        Assert.Single(await probed.GetAllAsync(Token));

        // Written by another process: seen only by a new listing, so the probes below show whether one was made.
        await otherProcess.SaveAsync(Letter(Unique("audit")), Token);
        var probes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => probed.GetAllAsync(Token).AsTask()));
        time.Advance(options.DeadLetterListCacheDuration - TimeSpan.FromMilliseconds(1));
        var late = await probed.GetAllAsync(Token);

        Assert.Equal(Enumerable.Repeat(1, 10), probes.Select(p => p.Count));
        Assert.Single(late);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, (await probed.GetAllAsync(Token)).Count);
    }

    [Fact]
    public async Task GetAllAsync_AfterThisStoreWrites_ShowsTheWriteAtOnce()
    {
        var options = server.NewOptions();
        var store = new NatsDeadLetterStore(new NatsJSContext(server.Connection), options, new FakeTimeProvider(), NullLogger.Instance);
        var first = Letter(Unique("billing"));
        await store.SaveAsync(first, Token);
        Assert.Single(await store.GetAllAsync(Token));

        await store.SaveAsync(Letter(Unique("audit")), Token);
        Assert.Equal(2, (await store.GetAllAsync(Token)).Count);
        await store.RemoveAsync(first.Group, first.Id, Token);
        Assert.Single(await store.GetAllAsync(Token));
    }

    private static DeadLetter Letter(string group) => new()
    {
        Group = group,
        Topic = "orders",
        Envelope = Envelope("order-1", 0),
        Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "timed out", null, "Handler", 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch),
    };
}
