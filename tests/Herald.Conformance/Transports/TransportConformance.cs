using System.Text;
using Herald.Events;
using Herald.Transports;

namespace Herald.Conformance.Transports;

/// <summary>Checks the <see cref="ITransport"/> contract: every transport adds a one-line subclass with its fixture.</summary>
/// <remarks>
/// Tests use only the contract, never a transport's internals. Every group joins before the events
/// it must receive are published, because a broker group that joins later may start at the tail
/// (a RabbitMQ queue only gets what is published after it is bound). Waits are bounded by
/// <see cref="ReceiveTimeout"/>, so a broken transport fails instead of hanging; "nothing more
/// arrives" is shown without sleeping by publishing a marker per key and checking that the
/// markers are all that arrives, since a key's events arrive in publish order.
/// </remarks>
/// <typeparam name="TFixture">Creates the transport under test.</typeparam>
public abstract partial class TransportConformance<TFixture> : IClassFixture<TFixture>
    where TFixture : class, ITransportFixture
{
    [Fact]
    public async Task SendAsync_TwoConsumerGroups_EachGroupReceivesEveryEvent()
    {
        var topic = UniqueName("topic");
        var billing = await ListenAsync(topic, UniqueName("billing"));
        var audit = await ListenAsync(topic, UniqueName("audit"));

        var sent = await PublishAsync(topic, Keys("order", 8), 4);

        Assert.Equal(Ids(sent), Ids(await ReceiveAsync(billing, sent.Count)));
        Assert.Equal(Ids(sent), Ids(await ReceiveAsync(audit, sent.Count)));
    }

    [Fact]
    public async Task ListenAsync_TwoMembersInOneGroup_EachEventGoesToExactlyOneMember()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var first = await ListenAsync(topic, group);
        var second = await ListenAsync(topic, group);

        var sent = await PublishAsync(topic, Keys("order", 64), 1);
        var received = await ReceiveTogetherAsync([first, second], sent.Count);

        Assert.NotEmpty(received[0]);
        Assert.NotEmpty(received[1]);
        Assert.Empty(Ids(received[0]).Intersect(Ids(received[1])));
        Assert.Equal(Ids(sent), Ids(received[0].Concat(received[1])));
        // Members share partitions, not events: a partition belongs to one member at a time.
        Assert.Empty(received[0].Select(d => d.Partition).Intersect(received[1].Select(d => d.Partition)));
    }

    [Fact]
    public async Task TryReceive_InterleavedKeys_DeliversEachKeyInPublishOrder()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        const int PerKey = 40;

        var sent = await PublishAsync(topic, Keys("order", 5), PerKey);
        var received = await ReceiveAsync(listener, sent.Count, batchSize: 7);

        Assert.Equal(Ids(sent), Ids(received));
        foreach (var key in received.GroupBy(d => d.Envelope.PartitionKey))
        {
            Assert.Equal(Enumerable.Range(0, PerKey).Select(i => (long?)i), key.Select(d => d.Envelope.Sequence));
            Assert.Single(key.Select(d => d.Partition).Distinct());
        }

        foreach (var partition in received.GroupBy(d => d.Partition))
        {
            var offsets = partition.Select(d => d.Offset).ToList();
            Assert.True(offsets.SequenceEqual(offsets.Order()) && offsets.Distinct().Count() == offsets.Count, $"Offsets of partition {partition.Key} do not increase: {string.Join(", ", offsets)}.");
        }
    }

    [Fact]
    public async Task GetLagAsync_CountsWhatTheGroupHasNotCompleted_AndDropsToZeroWhenItHas()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var listener = await ListenAsync(topic, group);
        var sent = await PublishAsync(topic, Keys("order", 4), 5);
        if (await Transport.GetLagAsync(topic, group, Cancellation) is not { } before)
        {
            return; // The transport cannot tell; the contract allows it.
        }

        // A broker's count races the listener's prefetch (a message in flight may be counted as ready and as received),
        // so the total is awaited as the other lag checks are; each partition is listed once in every reading.
        Assert.Equal(before.Count, before.Select(p => p.Partition).Distinct().Count());
        await AssertLagAsync(topic, group, sent.Count);
        var deliveries = await ReceiveAsync(listener, sent.Count);
        foreach (var delivery in deliveries.Take(3))
        {
            await listener.CompleteAsync(delivery, Cancellation);
        }

        await AssertLagAsync(topic, group, expected: sent.Count - 3);
        foreach (var delivery in deliveries.Skip(3))
        {
            await listener.CompleteAsync(delivery, Cancellation);
        }

        await AssertLagAsync(topic, group, expected: 0);
        if (_fixture.KeepsConsumedEvents)
        {
            // A transport that keeps events for any group counts all of them for one that never joined.
            Assert.Equal(sent.Count, (await Transport.GetLagAsync(topic, UniqueName("never-joined"), Cancellation))!.Sum(p => p.Lag));
        }
    }

    [Fact]
    public async Task CompleteAsync_AllCompleted_NothingDeliveredAgainToThatGroup()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var listener = await ListenAsync(topic, group);
        var otherGroup = await ListenAsync(topic, UniqueName("audit"));
        var keys = Keys("order", 4);

        var sent = await PublishAsync(topic, keys, 6);
        foreach (var delivery in await ReceiveAsync(listener, sent.Count))
        {
            await listener.CompleteAsync(delivery, Cancellation);
        }

        await LeaveAsync(listener);
        var rejoined = await ListenAsync(topic, group);
        var markers = new List<EventEnvelope>();
        foreach (var key in keys)
        {
            markers.Add(Sequenced(key, long.MaxValue, "conformance.marker"));
            await Transport.SendAsync(topic, markers[^1], Cancellation);
        }

        // A key's events arrive in order, so a completed event delivered again would come before its key's marker.
        Assert.Equal(Ids(markers), Ids(await ReceiveAsync(rejoined, markers.Count)));
        Assert.Equal(Ids(sent.Concat(markers)), Ids(await ReceiveAsync(otherGroup, sent.Count + markers.Count)));
    }

    [Fact]
    public async Task RedeliverAsync_FailedDelivery_RedeliversItFirstThenRestOfPartitionInOrder()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        var sent = await PublishAsync(topic, ["order-1"], 5);
        var first = await ReceiveAsync(listener, sent.Count);
        Assert.All(first, d => Assert.Equal(1, d.DeliveryCount));

        await listener.CompleteAsync(first[0], Cancellation);
        await listener.RedeliverAsync(first[1], TimeSpan.Zero, Cancellation);
        // The contract: deliveries after the failed one in its partition are dropped, not settled.
        var again = await ReceiveAsync(listener, 4);

        Assert.Equal(first.Skip(1).Select(d => d.Offset), again.Select(d => d.Offset));
        Assert.Equal(sent.Skip(1).Select(e => e.EventId), again.Select(d => d.Envelope.EventId));
        Assert.Equal(2, again[0].DeliveryCount);
    }

    [Fact]
    public async Task CompleteAsync_DeliveryFromBeforeRedelivery_DoesNotAdvanceGroup()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var listener = await ListenAsync(topic, group);
        var sent = await PublishAsync(topic, ["order-1"], 5);
        var first = await ReceiveAsync(listener, sent.Count);

        await listener.CompleteAsync(first[0], Cancellation);
        await listener.RedeliverAsync(first[1], TimeSpan.Zero, Cancellation);
        // A stale settlement: a consumer that kept handling the batch after the failure.
        await listener.CompleteAsync(first[^1], Cancellation);

        var again = await ReceiveAsync(listener, 4);
        Assert.Equal(sent.Skip(1).Select(e => e.EventId), again.Select(d => d.Envelope.EventId));

        // Had the stale completion moved the group, a member that takes over would skip the failed events.
        await LeaveAsync(listener);
        var rejoined = await ListenAsync(topic, group);
        var afterRejoin = await ReceiveAsync(rejoined, 4);
        Assert.Equal(sent.Skip(1).Select(e => e.EventId), afterRejoin.Select(d => d.Envelope.EventId));
    }

    [Fact]
    public async Task DisposeAsync_MemberLeaves_RemainingMemberReceivesItsUncompletedEvents()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var leaving = await ListenAsync(topic, group);
        var staying = await ListenAsync(topic, group);

        var sent = await PublishAsync(topic, Keys("order", 64), 1);
        var received = await ReceiveTogetherAsync([leaving, staying], sent.Count);
        foreach (var delivery in received[1])
        {
            await staying.CompleteAsync(delivery, Cancellation);
        }

        // The leaving member completes the first event of each of its partitions, in offset order, and no more.
        var completed = received[0].GroupBy(d => d.Partition).Select(p => p.First()).ToList();
        foreach (var delivery in completed)
        {
            await leaving.CompleteAsync(delivery, Cancellation);
        }

        var uncompleted = received[0].Except(completed).ToList();
        Assert.NotEmpty(uncompleted);

        await LeaveAsync(leaving);
        var handedOver = await ReceiveAsync(staying, uncompleted.Count);

        Assert.Equal(Ids(uncompleted), Ids(handedOver));
    }

    [Fact]
    public async Task CompleteAsync_LaterDeliveryCompletedFirst_EarlierOnesComeAgainToTheGroup()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var leaving = await ListenAsync(topic, group);

        var sent = await PublishAsync(topic, ["order"], 3);
        var received = await ReceiveAsync(leaving, sent.Count);
        // A group moves only up to its first unsettled delivery: completing the last must not complete the others.
        await leaving.CompleteAsync(received[2], Cancellation);
        await LeaveAsync(leaving);
        var next = await ListenAsync(topic, group);

        Assert.Equal(Ids(sent.Take(2)), Ids(await ReceiveAsync(next, 2)));
    }

    [Fact]
    public async Task WaitToReceiveAsync_EventPublishedWhileWaiting_ReturnsTrue()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        var wait = listener.WaitToReceiveAsync(Cancellation).AsTask();
        Assert.False(wait.IsCompleted, "WaitToReceiveAsync completed on an empty topic.");

        var sent = await PublishAsync(topic, ["order-1"], 1);

        Assert.True(await wait.WaitAsync(Cancellation));
        Assert.Equal(Ids(sent), Ids(await ReceiveAsync(listener, 1)));
    }

    [Fact]
    public async Task WaitToReceiveAsync_ListenerDisposedWhileWaiting_ReturnsFalse()
    {
        var listener = await ListenAsync(UniqueName("topic"), UniqueName("billing"));
        var wait = listener.WaitToReceiveAsync(Cancellation).AsTask();
        Assert.False(wait.IsCompleted, "WaitToReceiveAsync completed on an empty topic.");

        await LeaveAsync(listener);

        Assert.False(await wait.WaitAsync(Cancellation));
    }

    [Fact]
    public async Task WaitToReceiveAsync_AfterDispose_ReturnsFalse()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        await PublishAsync(topic, ["order-1"], 1);

        await LeaveAsync(listener);

        Assert.False(await WaitAsync(listener, Cancellation));
    }

    [Fact]
    public async Task WaitToReceiveAsync_TokenCanceledWhileWaiting_ThrowsOperationCanceledAndListenerStillWorks()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        using var cancel = new CancellationTokenSource();
        var wait = listener.WaitToReceiveAsync(cancel.Token).AsTask();
        Assert.False(wait.IsCompleted, "WaitToReceiveAsync completed on an empty topic.");

        await cancel.CancelAsync();

        // A TimeoutException, not an OperationCanceledException, if the wait ignores the token.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(ReceiveTimeout, TestContext.Current.CancellationToken));
        var sent = await PublishAsync(topic, ["order-1"], 1);
        Assert.Equal(Ids(sent), Ids(await ReceiveAsync(listener, 1)));
    }

    [Fact]
    public async Task SendAsync_EveryAttributeSet_EnvelopeArrivesIntact()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        var sent = new EventEnvelope
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventType = "shop.order-placed",
            EventVersion = 3,
            // Sub-microsecond ticks and a non-UTC offset, so that rounding or a lost offset shows.
            Timestamp = new DateTimeOffset(2025, 6, 1, 12, 34, 56, TimeSpan.FromHours(2)).AddTicks(1_234_567),
            Source = "/shop/orders",
            CorrelationId = Guid.NewGuid().ToString(),
            CausationId = Guid.NewGuid().ToString(),
            UserId = "user-42 (Zoë)",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            PartitionKey = "order-42",
            Sequence = 9_007_199_254_740_993,
            Depth = 2,
            DataContentType = "application/octet-stream",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "acme", ["region"] = "eu-west-1" },
            Data = new byte[] { 0x00, 0xFF, 0x7B, 0x0A, 0xC3, 0xA9, 0x00 },
        };

        await Transport.SendAsync(topic, sent, Cancellation);

        AssertEnvelopeEqual(sent, Assert.Single(await ReceiveAsync(listener, 1)).Envelope);
    }

    [Fact]
    public async Task SendAsync_OptionalAttributesUnset_EnvelopeArrivesIntact()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        var sent = new EventEnvelope
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventType = "shop.order-placed",
            Timestamp = new DateTimeOffset(2025, 6, 1, 12, 34, 56, TimeSpan.Zero),
            Source = "/shop/orders",
            CorrelationId = Guid.NewGuid().ToString(),
            Data = Encoding.UTF8.GetBytes("""{"orderId":"o-1"}"""),
        };

        await Transport.SendAsync(topic, sent, Cancellation);

        AssertEnvelopeEqual(sent, Assert.Single(await ReceiveAsync(listener, 1)).Envelope);
    }
}
