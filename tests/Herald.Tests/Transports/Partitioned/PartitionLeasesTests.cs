using Herald.Transports;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports.Partitioned;

// The shared lease lifecycle on fake time: the rounds take and give back partitions through the kernel.
public sealed class PartitionLeasesTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rounds_AcquirePartitions_MembersReadOnlyThose()
    {
        var time = new FakeTimeProvider(Start);
        TakeTurns? leases = null;
        var transport = new ScriptedTransport(3, time, ownership => leases = new TakeTurns(ownership, time));
        transport.Add(0, Envelope("a"));
        transport.Add(1, Envelope("b"));
        await using var listener = await transport.ListenAsync("orders", "billing", Cancellation);

        // The first round runs at start and takes partition 0; the next, one interval later, partition 1.
        await leases!.Rounds.Reader.ReadAsync(Cancellation);
        Assert.Equal([0], Receive(listener));
        Assert.Equal(1, await NextRoundAsync(leases, time));
        Assert.Equal([1], Receive(listener));
        Assert.Equal(2, transport.OpenCursors);
    }

    [Fact]
    public async Task FirstRound_RunsAfterTheFirstMemberJoined_SoItTakesPartitionsAtOnce()
    {
        var time = new FakeTimeProvider(Start);
        TakeTurns? leases = null;
        var transport = new ScriptedTransport(2, time, ownership => leases = new TakeTurns(ownership, time));
        await using var listener = await transport.ListenAsync("orders", "billing", Cancellation);

        await leases!.Rounds.Reader.ReadAsync(Cancellation);

        // A round that counted no member in this process would take no share, and the group would wait a whole interval.
        Assert.Equal(1, leases.MembersAtFirstRound);
    }

    [Fact]
    public async Task Round_Fails_CleansUpAndTheNextRoundRuns()
    {
        var time = new FakeTimeProvider(Start);
        TakeTurns? leases = null;
        var transport = new ScriptedTransport(2, time, ownership => leases = new TakeTurns(ownership, time) { FailFirst = true });
        await using var listener = await transport.ListenAsync("orders", "billing", Cancellation);

        Assert.Equal(-1, await leases!.Rounds.Reader.ReadAsync(Cancellation));
        Assert.Equal(0, await NextRoundAsync(leases, time));
        Assert.Equal(1, leases.Failures);
    }

    [Fact]
    public async Task LastMemberLeaves_StopsRoundsAndGivesEveryPartitionBack()
    {
        var time = new FakeTimeProvider(Start);
        TakeTurns? leases = null;
        var transport = new ScriptedTransport(2, time, ownership => leases = new TakeTurns(ownership, time));
        var listener = await transport.ListenAsync("orders", "billing", Cancellation);
        await leases!.Rounds.Reader.ReadAsync(Cancellation);

        await listener.DisposeAsync();

        Assert.True(leases.Released);
        Assert.Equal(0, transport.OpenCursors);
        Assert.Equal("source closed", transport.Events[^1]);
    }

    [Fact]
    public async Task Drain_StopsHandingOutAndEndsOnceInFlightSettled_WithThePositionPastThem()
    {
        var (transport, leases, listener, _) = await HoldOnePartitionAsync(4);
        await using var owned = listener;
        var batch = new List<TransportDelivery>();
        listener.TryReceive(batch, 2);

        var drain = leases.Kernel.DrainAsync(0, TimeSpan.FromMinutes(1));

        // Two more wait in the partition: none is handed out, and waiting for them does not return at once (a busy loop).
        Assert.Equal(0, listener.TryReceive([], 10));
        Assert.False(listener.WaitToReceiveAsync(Cancellation).AsTask().IsCompleted);
        await listener.CompleteAsync(batch[0], Cancellation);
        Assert.False(drain.IsCompleted);
        await listener.CompleteAsync(batch[1], Cancellation);
        Assert.True(await drain);
        Assert.Equal(2, transport.Commits[0][^1]);
    }

    [Fact]
    public async Task Drain_NothingSettledInTime_ReturnsFalse_AndAfterTheReleaseTheLateSettlementIsIgnored()
    {
        var (transport, leases, listener, clock) = await HoldOnePartitionAsync(2);
        await using var owned = listener;
        var batch = new List<TransportDelivery>();
        listener.TryReceive(batch, 1);

        var drain = leases.Kernel.DrainAsync(0, TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.False(await drain);
        await leases.Kernel.ReleaseAsync(0);
        await listener.CompleteAsync(batch[0], Cancellation);
        Assert.False(transport.Commits.ContainsKey(0));
    }

    [Fact]
    public async Task Drain_RedeliveryRequested_EndsTheDrainAndLeavesTheEventToTheNextOwner()
    {
        var (transport, leases, listener, _) = await HoldOnePartitionAsync(3);
        await using var owned = listener;
        var batch = new List<TransportDelivery>();
        listener.TryReceive(batch, 3);
        await listener.CompleteAsync(batch[0], Cancellation);

        var drain = leases.Kernel.DrainAsync(0, TimeSpan.FromMinutes(1));
        await listener.RedeliverAsync(batch[1], TimeSpan.FromSeconds(1), Cancellation);

        // The third was read after the failed one: void, so nothing is in flight; the position stays before the failure.
        Assert.True(await drain);
        Assert.Equal(1, transport.Commits[0][^1]);
    }

    [Fact]
    public async Task Drain_NothingInFlight_EndsAtOnce_AndAPartitionTakenAgainIsHandedOut()
    {
        var (_, leases, listener, _) = await HoldOnePartitionAsync(1);
        await using var owned = listener;

        Assert.True(await leases.Kernel.DrainAsync(0, TimeSpan.Zero));
        await leases.Kernel.ReleaseAsync(0);
        await leases.Kernel.AcquireAsync(0, Cancellation);

        Assert.Equal([0], Receive(listener));
    }

    // A transport of one partition holding `events` events, whose leases have taken the partition for the member returned.
    private static async Task<(ScriptedTransport Transport, TakeTurns Leases, ITransportListener Listener, FakeTimeProvider Clock)> HoldOnePartitionAsync(int events)
    {
        var clock = new FakeTimeProvider(Start);
        TakeTurns? leases = null;
        var transport = new ScriptedTransport(1, clock, ownership => leases = new TakeTurns(ownership, clock));
        for (var i = 0; i < events; i++)
        {
            transport.Add(0, Envelope("a"));
        }

        var listener = await transport.ListenAsync("orders", "billing", Cancellation);
        await leases!.Rounds.Reader.ReadAsync(Cancellation);
        return (transport, leases, listener, clock);
    }

    // The run registers its delay just after it reports a round, so one advance may come too early: advance until the next round reports.
    private static async Task<int> NextRoundAsync(TakeTurns leases, FakeTimeProvider time)
    {
        int partition;
        while (!leases.Rounds.Reader.TryRead(out partition))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            try
            {
                await leases.Rounds.Reader.WaitToReadAsync(Cancellation).AsTask().WaitAsync(TimeSpan.FromMilliseconds(50), Cancellation);
            }
            catch (TimeoutException)
            {
            }
        }

        return partition;
    }

    private static List<int> Receive(ITransportListener listener)
    {
        var batch = new List<TransportDelivery>();
        listener.TryReceive(batch, 100);
        return [.. batch.Select(d => d.Partition)];
    }

    private static Herald.Events.EventEnvelope Envelope(string key) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = "shop.order-placed",
        Timestamp = Start,
        Source = "/shop/orders",
        CorrelationId = key,
        PartitionKey = key,
    };

    /// <summary>Takes one more partition each round; reports each round's partition (-1 for a failed round).</summary>
    private sealed class TakeTurns(PartitionOwnership ownership, TimeProvider time) : PartitionLeases(ownership, TimeSpan.FromSeconds(1), time)
    {
        private readonly HashSet<int> _held = [];

        public System.Threading.Channels.Channel<int> Rounds { get; } = System.Threading.Channels.Channel.CreateUnbounded<int>();

        public bool FailFirst { get; init; }

        /// <summary>Gets the kernel's side of the group, for a test to drain and release through as a broker's rebalance would.</summary>
        public PartitionOwnership Kernel => Ownership;

        public int Failures { get; private set; }

        public bool Released { get; private set; }

        public int? MembersAtFirstRound { get; private set; }

        protected override async Task RoundAsync(CancellationToken cancellationToken)
        {
            MembersAtFirstRound ??= Ownership.MemberCount;
            if (FailFirst && Failures == 0)
            {
                throw new InvalidOperationException("The broker is away.");
            }

            var partition = Enumerable.Range(0, Ownership.PartitionCount).First(p => !_held.Contains(p));
            await Ownership.AcquireAsync(partition, cancellationToken);
            _held.Add(partition);
            Rounds.Writer.TryWrite(partition);
        }

        protected override Task OnRoundFailedAsync(Exception exception)
        {
            Failures++;
            Rounds.Writer.TryWrite(-1);
            return Task.CompletedTask;
        }

        protected override async Task ReleaseAllAsync()
        {
            foreach (var partition in _held)
            {
                await Ownership.ReleaseAsync(partition);
            }

            Released = true;
        }
    }
}
