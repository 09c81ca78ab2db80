using System.Text;
using Herald.DeadLetters;
using Herald.Events;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.DeadLetters;

/// <summary>The bounds on a group's dead letters: pending ones are never dropped; redriven ones go after their retention or to make room.</summary>
public sealed class DeadLetterLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemoryDeadLetterStore _store = new();
    private readonly List<(string Group, string Topic, string Reason)> _evicted = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private DeadLetterLedger Ledger(int max = 3, TimeSpan? retention = null) => new(
        _store,
        new DeadLetterOptions { MaxLettersPerGroup = max, RedrivenRetention = retention ?? TimeSpan.FromDays(7) },
        _time,
        (group, topic, reason) => _evicted.Add((group, topic, reason)));

    [Fact]
    public async Task Save_PendingLettersFillTheCap_RefusesTheNextAndKeepsEveryLetter()
    {
        using var ledger = Ledger(max: 2);
        await ledger.SaveAsync(Letter("e1"), Token);
        await ledger.SaveAsync(Letter("e2"), Token);

        var full = await Assert.ThrowsAsync<DeadLetterQueueFullException>(() => ledger.SaveAsync(Letter("e3"), Token).AsTask());

        Assert.Equal(("billing", 2, "e3"), (full.Group, full.Capacity, full.EventId));
        Assert.Contains("DeadLetterOptions.MaxLettersPerGroup", full.Message, StringComparison.Ordinal);
        Assert.Equal(["e1", "e2"], (await _store.GetAllAsync(Token)).Select(l => l.EventId).Order(StringComparer.Ordinal));
        Assert.Empty(_evicted);
    }

    [Fact]
    public async Task Save_AtTheCap_OtherGroupsAndLettersAlreadyStoredStillSave()
    {
        using var ledger = Ledger(max: 1);
        var first = Letter("e1");
        await ledger.SaveAsync(first, Token);

        await ledger.SaveAsync(first with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start }, Token);
        await ledger.SaveAsync(Letter("e2", group: "audit"), Token);

        Assert.Equal(2, (await _store.GetAllAsync(Token)).Count);
    }

    [Fact]
    public async Task Save_AtTheCapWithRedrivenLetters_EvictsTheOldestRedriveFirstAndCountsIt()
    {
        using var ledger = Ledger(max: 3);
        await ledger.SaveAsync(Letter("pending"), Token);
        await ledger.SaveAsync(Letter("redriven-late") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start.AddMinutes(2) }, Token);
        await ledger.SaveAsync(Letter("redriven-early") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start.AddMinutes(1) }, Token);

        await ledger.SaveAsync(Letter("new"), Token);

        Assert.Equal(["new", "pending", "redriven-late"], (await _store.GetAllAsync(Token)).Select(l => l.EventId).Order(StringComparer.Ordinal));
        Assert.Equal([("billing", "orders", DeadLetterLedger.CapReason)], _evicted);
    }

    [Fact]
    public async Task Save_RedrivenLettersPastTheirRetention_AreRemovedAndCounted()
    {
        using var ledger = Ledger(max: 100, retention: TimeSpan.FromHours(1));
        var redriven = Letter("old") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start };
        await ledger.SaveAsync(redriven, Token);
        await ledger.SaveAsync(Letter("fresh") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start.AddMinutes(30) }, Token);
        await ledger.SaveAsync(Letter("pending"), Token);

        _time.Advance(TimeSpan.FromMinutes(61));
        await ledger.SaveAsync(Letter("later"), Token);

        Assert.Equal(["fresh", "later", "pending"], (await _store.GetAllAsync(Token)).Select(l => l.EventId).Order(StringComparer.Ordinal));
        Assert.Equal([("billing", "orders", DeadLetterLedger.RetentionReason)], _evicted);
    }

    [Fact]
    public async Task Load_RedrivenLettersStoredPastTheirRetention_AreRemovedAtFirstUse()
    {
        await _store.SaveAsync(Letter("old") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start.AddDays(-8) }, Token);
        await _store.SaveAsync(Letter("pending"), Token);
        using var ledger = Ledger();

        var counts = await ledger.CountsAsync(Token);

        Assert.Equal(1, counts[("billing", "orders", DeadLetterStatus.Pending)]);
        Assert.False(counts.ContainsKey(("billing", "orders", DeadLetterStatus.Redriven)));
        Assert.Equal("pending", Assert.Single(await _store.GetAllAsync(Token)).EventId);
    }

    [Fact]
    public async Task Save_AtTheCapAfterAnotherProcessPurged_ListsTheStoreAgainAndSaves()
    {
        using var ledger = Ledger(max: 1);
        var first = Letter("e1");
        await ledger.SaveAsync(first, Token);
        await _store.RemoveAsync(first.Group, first.Id, Token); // the herald tool, behind the ledger's back

        await ledger.SaveAsync(Letter("e2"), Token);

        Assert.Equal("e2", Assert.Single(await _store.GetAllAsync(Token)).EventId);
    }

    [Fact]
    public async Task CountsAsync_FollowsSavesRedrivesAndRemovalsWithoutListingAgain()
    {
        var listing = new CountingStore(_store);
        using var ledger = new DeadLetterLedger(listing, new DeadLetterOptions(), _time);
        var first = Letter("e1");
        await ledger.SaveAsync(first, Token);
        await ledger.SaveAsync(Letter("e2"), Token);
        await ledger.SaveAsync(Letter("e3", group: "audit"), Token);
        await ledger.SaveAsync(first with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start }, Token);
        await ledger.RemoveAsync("audit", Letter("e3").Id, Token);

        var counts = await ledger.CountsAsync(Token);

        Assert.Equal(1, counts[("billing", "orders", DeadLetterStatus.Pending)]);
        Assert.Equal(1, counts[("billing", "orders", DeadLetterStatus.Redriven)]);
        Assert.False(counts.ContainsKey(("audit", "orders", DeadLetterStatus.Pending)));
        Assert.Equal(1, listing.Listings);
    }

    [Fact]
    public void Options_OutOfRange_AreRefusedNamingTheOption()
    {
        var count = Assert.Throws<InvalidOperationException>(() => new DeadLetterOptions { MaxLettersPerGroup = 0 }.Validate());
        var retention = Assert.Throws<InvalidOperationException>(() => new DeadLetterOptions { RedrivenRetention = TimeSpan.Zero }.Validate());

        Assert.Contains("DeadLetterOptions.MaxLettersPerGroup is 0", count.Message, StringComparison.Ordinal);
        Assert.Contains("DeadLetterOptions.RedrivenRetention is 00:00:00", retention.Message, StringComparison.Ordinal);
    }

    private static DeadLetter Letter(string eventId, string group = "billing") => new()
    {
        Group = group,
        Topic = "orders",
        Envelope = new EventEnvelope
        {
            EventId = eventId,
            EventType = "order.placed",
            Timestamp = Start,
            Source = "/shop",
            CorrelationId = eventId,
            Data = Encoding.UTF8.GetBytes("{}"),
        },
        Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, null, 1, Start, Start, Start),
    };

    private sealed class CountingStore(IDeadLetterStore inner) : IDeadLetterStore
    {
        public int Listings { get; private set; }

        public IReadOnlyCollection<string> Unreadable => inner.Unreadable;

        public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default) => inner.SaveAsync(letter, cancellationToken);

        public ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default) => inner.RemoveAsync(group, id, cancellationToken);

        public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default) => inner.GetAsync(group, id, cancellationToken);

        public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
        {
            Listings++;
            return inner.GetAllAsync(cancellationToken);
        }
    }
}
