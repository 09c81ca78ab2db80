using Herald.Events;

namespace Herald.Conformance.Transports;

// ITransport.SendManyAsync: a transport's own batch send or the concurrent default must keep the SendAsync contract.
public abstract partial class TransportConformance<TFixture>
{
    [Fact]
    public async Task SendManyAsync_InterleavedKeys_DeliversEveryEventEachKeyInBatchOrder()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        const int PerKey = 30;
        var keys = Keys("order", 6);
        List<EventEnvelope> batch = [.. Enumerable.Range(0, PerKey).SelectMany(sequence => keys.Select(key => Sequenced(key, sequence)))];

        await Transport.SendManyAsync(topic, batch, Cancellation);
        var received = await ReceiveAsync(listener, batch.Count);

        Assert.Equal(Ids(batch), Ids(received));
        foreach (var key in received.GroupBy(d => d.Envelope.PartitionKey))
        {
            Assert.Equal(Enumerable.Range(0, PerKey).Select(i => (long?)i), key.Select(d => d.Envelope.Sequence));
        }

        AssertEnvelopeEqual(batch[^1], received.Single(d => d.Envelope.EventId == batch[^1].EventId).Envelope);
    }

    [Fact]
    public async Task SendManyAsync_EventsWithoutKey_EveryGroupReceivesEach()
    {
        var topic = UniqueName("topic");
        var billing = await ListenAsync(topic, UniqueName("billing"));
        var audit = await ListenAsync(topic, UniqueName("audit"));
        List<EventEnvelope> batch = [.. Enumerable.Range(0, 40).Select(i => Sequenced("keyless", i) with { PartitionKey = null })];

        await Transport.SendManyAsync(topic, batch, Cancellation);

        Assert.Equal(Ids(batch), Ids(await ReceiveAsync(billing, batch.Count)));
        Assert.Equal(Ids(batch), Ids(await ReceiveAsync(audit, batch.Count)));
    }

    [Fact]
    public async Task SendManyAsync_EmptyBatch_SendsNothing()
    {
        var topic = UniqueName("topic");
        var listener = await ListenAsync(topic, UniqueName("billing"));
        var marker = Sequenced("marker", 0);

        await Transport.SendManyAsync(topic, [], Cancellation);
        await Transport.SendAsync(topic, marker, Cancellation);

        // The empty batch must complete without sending or failing; the marker sent after it is the first delivery.
        Assert.Equal([marker.EventId], Ids(await ReceiveAsync(listener, 1)));
        Assert.Equal(0, listener.TryReceive([], int.MaxValue));
    }
}
