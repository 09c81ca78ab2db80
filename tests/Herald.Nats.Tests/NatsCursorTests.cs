using Herald.Hosting;
using Herald.Nats.Internal;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>The cursor on scripted deliveries, without a server: what it hands out and what it acks when a delivery goes missing.</summary>
public sealed class NatsCursorTests
{
    private readonly List<ulong> _acked = [];

    [Fact]
    public async Task DeliveryLostInTransit_LaterMessagesWaitForIt_NothingAckedUnhandled()
    {
        await using var cursor = Cursor();
        Assert.True(cursor.Release(ackPending: 0, delivered: 0));

        // Stream sequences 1, 3, 5 (other partitions' messages lie between); the delivery of 3 is lost in transit.
        cursor.Add(Message(stream: 1, delivery: 1));
        Assert.Equal([1], Read(cursor));
        cursor.Add(Message(stream: 5, delivery: 3));
        Assert.Empty(Read(cursor));
        Assert.NotNull(cursor.GetDataSignal());

        // The server counts 1, 3 and 5 as delivered and unacked: 3 is still missing. What the group commits meanwhile is
        // not acked, so the server's count stays comparable.
        Assert.False(cursor.Release(ackPending: 3, delivered: 3));
        cursor.Commit(2);
        Assert.Empty(Read(cursor));
        Assert.Empty(_acked);

        // AckWait brings 3 again; then the server's count matches what the cursor has, and the commit is acked.
        cursor.Add(Message(stream: 3, delivery: 4));
        Assert.True(cursor.Release(ackPending: 3, delivered: 4));
        Assert.Equal([3, 5], Read(cursor));
        Assert.Equal([1UL], _acked);
        cursor.Commit(6);
        Assert.Equal([1UL, 3, 5], _acked);
    }

    [Fact]
    public async Task Opening_HoldsBackUntilEveryMessageOutIsHere()
    {
        await using var cursor = Cursor();
        // Another holder had 2 and 4 out: 4 comes first.
        cursor.Add(Message(stream: 4, delivery: 9));
        Assert.Empty(Read(cursor));
        Assert.False(cursor.Release(ackPending: 2, delivered: 9));
        cursor.Add(Message(stream: 2, delivery: 10));
        Assert.Empty(Read(cursor));

        // 6 arrives while the server's answer is on its way: the answer covers the deliveries up to 10 only, so 6 neither
        // counts nor keeps the hold from ending, and a cursor opened under load hands out within one round trip.
        cursor.Add(Message(stream: 6, delivery: 11));
        Assert.False(cursor.Release(ackPending: 3, delivered: 10));
        Assert.Empty(Read(cursor));
        Assert.True(cursor.Release(ackPending: 2, delivered: 10));
        Assert.Equal([2, 4, 6], Read(cursor));

        // The next delivery follows 11: nothing holds back again.
        cursor.Add(Message(stream: 7, delivery: 12));
        Assert.Equal([7], Read(cursor));
    }

    [Fact]
    public async Task DeliverySequenceGoesBack_HoldsBackUntilCountsMatch()
    {
        await using var cursor = Cursor();
        Assert.True(cursor.Release(ackPending: 0, delivered: 4));
        cursor.Add(Message(stream: 1, delivery: 5));
        Assert.Equal([1], Read(cursor));

        // The server restarted without the last deliveries it had counted.
        cursor.Add(Message(stream: 2, delivery: 5));
        Assert.Empty(Read(cursor));
        Assert.True(cursor.Release(ackPending: 2, delivered: 5));
        Assert.Equal([2], Read(cursor));
    }

    private static List<long> Read(NatsCursor cursor)
    {
        var messages = new List<SourceMessage>();
        cursor.Read(messages, 100);
        return [.. messages.Select(m => m.Offset)];
    }

    // Never started: the test plays the pull loop, delivering messages and answering for the server.
    private static NatsCursor Cursor()
    {
        var topic = new NatsTopic(null!, new NatsTransportOptions(), "orders", TimeProvider.System, NullLogger.Instance, new EventLimits(), CancellationToken.None);
        return new NatsCursor(topic, "billing", 0);
    }

    private ScriptedMessage Message(ulong stream, ulong delivery)
    {
        var envelope = Envelope("order-1", (long)stream);
        return new ScriptedMessage(this, envelope.Data.ToArray(), NatsEnvelopeCodec.ToHeaders(envelope), new NatsJSMsgMetadata(new NatsJSSequencePair(stream, delivery), 1, 0, DateTimeOffset.UnixEpoch, "herald_orders", "billing_P0", string.Empty));
    }

    private sealed class ScriptedMessage(NatsCursorTests test, byte[] data, NatsHeaders headers, NatsJSMsgMetadata metadata) : INatsJSMsg<byte[]>
    {
        public string Subject => "herald.orders.0";

        public int Size => data.Length;

        public NatsHeaders? Headers => headers;

        public byte[]? Data => data;

        public INatsConnection? Connection => null;

        public NatsJSMsgMetadata? Metadata => metadata;

        public string? ReplyTo => null;

        public NatsException? Error => null;

        public void EnsureSuccess()
        {
        }

        public ValueTask ReplyAsync(NatsHeaders? headers = null, string? replyTo = null, NatsPubOpts? opts = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask AckAsync(AckOpts? opts = null, CancellationToken cancellationToken = default)
        {
            test._acked.Add(metadata.Sequence.Stream);
            return ValueTask.CompletedTask;
        }

        public ValueTask NakAsync(AckOpts? opts = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask AckProgressAsync(AckOpts? opts = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask AckTerminateAsync(AckOpts? opts = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
