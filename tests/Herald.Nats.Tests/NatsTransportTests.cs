using System.Diagnostics;
using Herald.DeadLetters;
using Herald.Nats.Internal;
using Herald.Transports;
using Microsoft.Extensions.Time.Testing;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>What the NATS transport adds to the conformance suite: de-duplication, the wire format, retry order and dead letters.</summary>
public sealed class NatsTransportTests(NatsServer server) : IAsyncDisposable
{
    private readonly NatsTransport _transport = new(server.NewOptions());
    private readonly List<ITransportListener> _listeners = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        await _transport.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_SameEventIdTwice_DeliversItOnce()
    {
        var topic = Unique("topic");
        var listener = await ListenAsync(topic, Unique("billing"));
        var envelope = Envelope("order-1", 0);
        var marker = Envelope("order-1", 1);

        await _transport.SendAsync(topic, envelope, Token);
        await _transport.SendAsync(topic, envelope, Token);
        await _transport.SendAsync(topic, marker, Token);

        // The key's events arrive in order, so a second copy would come before the marker.
        var received = await ReceiveAsync(listener, 2);
        Assert.Equal([envelope.EventId, marker.EventId], received.Select(d => d.Envelope.EventId));
        var lag = await _transport.GetLagAsync(topic, Unique("never-joined"), Token);
        Assert.Equal(2, lag!.Sum(p => p.Lag));
    }

    [Fact]
    public async Task SendAsync_Envelope_TravelsAsCloudEventsBinaryModeOfTheNatsBinding()
    {
        var topic = Unique("topic");
        var options = server.NewOptions();
        await using var transport = new NatsTransport(options);
        await using var subscription = await server.Connection.SubscribeCoreAsync<byte[]>($"{options.SubjectPrefix}.{NatsNames.Token(topic)}.>", cancellationToken: Token);
        var envelope = Envelope("order-1", 7) with { UserId = "Zoë 42", Extensions = new Dictionary<string, string> { ["tenant"] = "acme" } };

        await transport.SendAsync(topic, envelope, Token);

        var message = await subscription.Msgs.ReadAsync(Token);
        var headers = message.Headers!;
        Assert.Equal("1.0", headers["ce-specversion"].ToString());
        Assert.Equal(envelope.EventId, headers["ce-id"].ToString());
        Assert.Equal(envelope.EventId, headers["Nats-Msg-Id"].ToString());
        Assert.Equal("nats.test", headers["ce-type"].ToString());
        Assert.Equal("/herald/nats-tests", headers["ce-source"].ToString());
        Assert.Equal("order-1", headers["ce-partitionkey"].ToString());
        Assert.Equal("acme", headers["ce-tenant"].ToString());
        Assert.Equal("Zo%C3%AB%2042", headers["ce-userid"].ToString());
        Assert.Equal(envelope.DataContentType, headers["content-type"].ToString());
        Assert.Equal(envelope.DataContentType, headers["ce-datacontenttype"].ToString());
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("ce_", StringComparison.Ordinal));
        Assert.Equal(envelope.Data.ToArray(), message.Data);
        var read = NatsEnvelopeCodec.Read(headers, message.Data);
        Assert.Equal((envelope.EventId, envelope.UserId, envelope.Sequence, envelope.Timestamp), (read.EventId, read.UserId, read.Sequence, read.Timestamp));
        Assert.Equal("acme", read.Extensions["tenant"]);
    }

    [Fact]
    public async Task RedeliverAsync_WithDelay_RedeliversAfterTheDelayAheadOfNewerEvents()
    {
        var topic = Unique("topic");
        var listener = await ListenAsync(topic, Unique("billing"));
        await SendAsync(topic, "order-1", 0, 3);
        var first = await ReceiveAsync(listener, 3);

        var clock = Stopwatch.StartNew();
        await listener.RedeliverAsync(first[0], TimeSpan.FromMilliseconds(500), Token);
        // Newer events of the key arrive during the delay; the server would hand them out first.
        await SendAsync(topic, "order-1", 3, 2);
        var again = await ReceiveAsync(listener, 5);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"Redelivered after {clock.Elapsed}.");
        Assert.Equal([0L, 1, 2, 3, 4], again.Select(d => d.Envelope.Sequence!.Value));
        Assert.Equal([2, 1, 1, 1, 1], again.Select(d => d.DeliveryCount));
        Assert.NotNull(again[0].FirstFailedAt);
    }

    [Fact]
    public async Task ListenAsync_MemberLeftDuringRetryDelay_NextMemberGetsTheFailedEventFirst()
    {
        var topic = Unique("topic");
        var group = Unique("billing");
        var leaving = await ListenAsync(topic, group);
        await SendAsync(topic, "order-1", 0, 3);
        var first = await ReceiveAsync(leaving, 3);
        await leaving.RedeliverAsync(first[0], TimeSpan.FromMilliseconds(1500), Token);
        await leaving.DisposeAsync();
        _listeners.Remove(leaving);

        // A new member knows only how many events wait (as after a restart): it holds newer ones until they are back.
        await SendAsync(topic, "order-1", 3, 2);
        var joining = await ListenAsync(topic, group);
        var received = await ReceiveAsync(joining, 5);

        Assert.Equal([0L, 1, 2, 3, 4], received.Select(d => d.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task DeferAsync_PutsBackWithoutCountingAnAttempt()
    {
        var topic = Unique("topic");
        var listener = await ListenAsync(topic, Unique("billing"));
        await SendAsync(topic, "order-1", 0, 2);
        var first = await ReceiveAsync(listener, 2);

        await listener.DeferAsync(first[0], TimeSpan.FromMilliseconds(100), Token);
        var again = await ReceiveAsync(listener, 2);

        Assert.Equal([0L, 1], again.Select(d => d.Envelope.Sequence!.Value));
        Assert.Equal([1, 1], again.Select(d => d.DeliveryCount));
    }

    [Fact]
    public async Task DeadLetterStore_SaveReplaceGetRemove_KeepsOneEntryPerGroupAndEvent()
    {
        var store = _transport.DeadLetterStore;
        var envelope = Envelope("order-1", 0) with { EventId = "id with spaces/ünïcode" };
        var letter = new DeadLetter
        {
            Group = "billing.eu",
            Topic = "__herald.redrive.billing.eu.orders",
            Envelope = envelope,
            Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "timed out", null, "Handler", 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch),
        };

        await store.SaveAsync(letter, Token);
        await store.SaveAsync(letter with { Group = "audit" }, Token);
        await store.SaveAsync(letter with { Status = DeadLetterStatus.Redriven }, Token);

        Assert.Equal(DeadLetterStatus.Redriven, (await store.GetAsync("billing.eu", letter.Id, Token))!.Status);
        Assert.Equal(["audit", "billing.eu"], (await store.GetAllAsync(Token)).Select(l => l.Group).Order(StringComparer.Ordinal));
        Assert.True(await store.RemoveAsync("billing.eu", letter.Id, Token));
        Assert.False(await store.RemoveAsync("billing.eu", letter.Id, Token));
        Assert.Null(await store.GetAsync("billing.eu", letter.Id, Token));
        Assert.Equal("audit", Assert.Single(await store.GetAllAsync(Token)).Group);
    }

    [Fact]
    public async Task SequencePositions_SaveThenGet_KeepsTheLastPositionPerGroupTopicAndKey()
    {
        var store = _transport.SequencePositions;

        await store.SaveAsync("billing.eu", "orders", [new("order 1/ä", 7), new("order-2", 9)], Token);
        await store.SaveAsync("billing.eu", "orders", [new("order 1/ä", 8)], Token);

        Assert.Equal(8, await store.GetAsync("billing.eu", "orders", "order 1/ä", Token));
        Assert.Equal(9, await store.GetAsync("billing.eu", "orders", "order-2", Token));
        Assert.Null(await store.GetAsync("audit", "orders", "order-2", Token));
    }

    [Fact]
    public async Task GetLagAsync_ManyProbesWithinTheCacheDuration_ShareOneReading()
    {
        var options = server.NewOptions();
        options.LagCacheDuration = TimeSpan.FromSeconds(5);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var transport = new NatsTransport(options, time);
        var (topic, group) = (Unique("probed"), Unique("billing"));
        await transport.SendAsync(topic, Envelope("a", 1), Token);
        await transport.SendAsync(topic, Envelope("b", 2), Token);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => transport.GetLagAsync(topic, group, Token).AsTask()));
        time.Advance(TimeSpan.FromSeconds(4));
        var later = await transport.GetLagAsync(topic, group, Token);

        Assert.Equal(1, transport.LagReadings);
        Assert.All(concurrent.Append(later), lag => Assert.Equal(2, lag!.Sum(p => p.Lag)));
        await transport.SendAsync(topic, Envelope("c", 3), Token);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await transport.GetLagAsync(topic, group, Token))!.Sum(p => p.Lag));
        Assert.Equal(2, transport.LagReadings);

        // Each topic and group has a reading of its own.
        Assert.Equal(3, (await transport.GetLagAsync(topic, Unique("audit"), Token))!.Sum(p => p.Lag));
        Assert.Equal(3, transport.LagReadings);
    }

    [Fact]
    public async Task SequencePositions_RemoveSavedBefore_PurgesOnlyTheGroupsAndTopicsOlderPositions()
    {
        var store = _transport.SequencePositions;
        await store.SaveAsync("billing.eu", "orders", [new("order 1/ä", 7), new("order-2", 9)], Token);
        await store.SaveAsync("audit", "orders", [new("order-2", 3)], Token);

        // The server stamps the save time, so the test asks relative to it: nothing was saved a day ago, all before tomorrow.
        Assert.Equal(0, await store.RemoveSavedBeforeAsync("billing.eu", "orders", DateTimeOffset.UtcNow.AddDays(-1), Token));
        Assert.Equal(2, await store.RemoveSavedBeforeAsync("billing.eu", "orders", DateTimeOffset.UtcNow.AddDays(1), Token));
        Assert.Equal(0, await store.RemoveSavedBeforeAsync("billing.eu", "orders", DateTimeOffset.UtcNow.AddDays(1), Token));

        Assert.Null(await store.GetAsync("billing.eu", "orders", "order 1/ä", Token));
        Assert.Null(await store.GetAsync("billing.eu", "orders", "order-2", Token));
        Assert.Equal(3, await store.GetAsync("audit", "orders", "order-2", Token));
        await store.SaveAsync("billing.eu", "orders", [new("order-2", 10)], Token);
        Assert.Equal(10, await store.GetAsync("billing.eu", "orders", "order-2", Token));
    }

    private async Task<ITransportListener> ListenAsync(string topic, string group)
    {
        var listener = await _transport.ListenAsync(topic, group, Token);
        _listeners.Add(listener);
        return listener;
    }

    private async Task SendAsync(string topic, string key, long from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await _transport.SendAsync(topic, Envelope(key, i), Token);
        }
    }
}
