using Herald.Inbox;

namespace Herald.Conformance.Stores;

/// <summary>Checks the <see cref="IInboxStore"/> contract: every store adds a one-line subclass with its fixture.</summary>
/// <typeparam name="TFixture">Creates the databases under test.</typeparam>
public abstract class InboxStoreConformance<TFixture>(TFixture fixture) : StoreConformance<TFixture>(fixture)
    where TFixture : class, IStoreFixture
{
    [Fact]
    public async Task TryRecordAsync_SameGroupAndKeyTwice_SecondIsDuplicate()
    {
        var store = Database.CreateInboxStore(Time);

        Assert.True(await RecordAsync(store, "billing", "event-1"));
        Assert.False(await RecordAsync(store, "billing", "event-1"));
    }

    [Fact]
    public async Task TryRecordAsync_Duplicate_TransactionStillCommits()
    {
        var store = Database.CreateInboxStore(Time);
        Assert.True(await RecordAsync(store, "billing", "event-1"));

        var results = await InTransactionAsync(async transaction =>
            (await store.TryRecordAsync(transaction, "billing", "event-1", Cancellation), await store.TryRecordAsync(transaction, "billing", "event-2", Cancellation)));

        Assert.Equal((false, true), results);
        Assert.False(await RecordAsync(store, "billing", "event-2"));
    }

    [Fact]
    public async Task TryRecordAsync_OtherGroupSameKey_Recorded()
    {
        var store = Database.CreateInboxStore(Time);
        Assert.True(await RecordAsync(store, "billing", "event-1"));

        Assert.True(await RecordAsync(store, "audit", "event-1"));
        Assert.True(await RecordAsync(store, "billing", "event-2"));
    }

    [Fact]
    public async Task TryRecordAsync_TransactionRolledBack_LeavesNoRecord()
    {
        var store = Database.CreateInboxStore(Time);

        Assert.True(await RecordAsync(store, "billing", "event-1", commit: false));

        Assert.True(await RecordAsync(store, "billing", "event-1"));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_MixedAges_DeletesOnlyOlderInBatches()
    {
        var store = Database.CreateInboxStore(Time);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await RecordAsync(store, "billing", "old-" + i));
        }

        Time.Advance(TimeSpan.FromDays(1));
        var cutoff = Time.GetUtcNow();
        Assert.True(await RecordAsync(store, "billing", "new"));

        Assert.Equal(2, await store.DeleteOlderThanAsync(cutoff, 2, Cancellation));
        Assert.Equal(2, await store.DeleteOlderThanAsync(cutoff, 2, Cancellation));
        Assert.Equal(1, await store.DeleteOlderThanAsync(cutoff, 2, Cancellation));
        Assert.Equal(0, await store.DeleteOlderThanAsync(cutoff, 2, Cancellation));

        Assert.True(await RecordAsync(store, "billing", "old-0"));
        Assert.False(await RecordAsync(store, "billing", "new"));
    }

    private Task<bool> RecordAsync(IInboxStore store, string group, string key, bool commit = true) =>
        InTransactionAsync(transaction => store.TryRecordAsync(transaction, group, key, Cancellation), commit);
}
