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
