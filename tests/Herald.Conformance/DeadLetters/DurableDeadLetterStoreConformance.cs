using System.Text;
using Herald.DeadLetters;

namespace Herald.Conformance.DeadLetters;

/// <summary>What a dead-letter store that keeps its letters outside the process must do besides: read the letters an
/// earlier version wrote, and set aside an entry it cannot read instead of failing every listing.</summary>
/// <typeparam name="TFixture">Creates the storage under test.</typeparam>
public abstract class DurableDeadLetterStoreConformance<TFixture>(TFixture fixture) : DeadLetterStoreConformance<TFixture>(fixture)
    where TFixture : class, IDeadLetterStoreFixture
{
    [Fact]
    public async Task LegacyLetter_IsReadUnderItsIdAndMovedToItsOwnKeyWhenSaved()
    {
        var legacy = Letter("e1", """{"orderId":1}""");
        await Storage.WriteLegacyAsync(legacy, LegacyJson(legacy), Token);

        var store = await Storage.OpenAsync(Token);
        var read = Assert.Single(await store.GetAllAsync(Token));
        Assert.Equal(legacy.Id, read.Id);
        Assert.NotNull(await store.GetAsync("billing", legacy.Id, Token));
        await store.SaveAsync(read with { Status = DeadLetterStatus.Redriven, RedrivenAt = Now }, Token);

        var reopened = await ReopenAsync();
        Assert.Equal(DeadLetterStatus.Redriven, Assert.Single(await reopened.GetAllAsync(Token)).Status);
        Assert.True(await reopened.RemoveAsync("billing", legacy.Id, Token));
        Assert.Empty(await (await ReopenAsync()).GetAllAsync(Token));
    }

    [Fact]
    public async Task LegacyLetter_RemovedBeforeEverBeingSaved_StaysRemoved()
    {
        var legacy = Letter("e1", """{"orderId":1}""");
        await Storage.WriteLegacyAsync(legacy, LegacyJson(legacy), Token);

        Assert.True(await (await Storage.OpenAsync(Token)).RemoveAsync("billing", legacy.Id, Token));

        Assert.Empty(await (await ReopenAsync()).GetAllAsync(Token));
    }

    [Fact]
    public async Task UnreadableEntries_AreSetAsideWhileTheOthersListAndSavesGoOn()
    {
        var good = Letter("e1", """{"orderId":1}""");
        await (await Storage.OpenAsync(Token)).SaveAsync(good, Token);
        await Storage.WriteUnreadableAsync("billing", "garbage", [0xFF, 0x00, 0x13, 0x37], Token);
        var deep = string.Concat(Enumerable.Repeat("[", 300)) + string.Concat(Enumerable.Repeat("]", 300));
        await Storage.WriteUnreadableAsync("billing", "too-deep", Encoding.UTF8.GetBytes(deep), Token);

        var store = await ReopenAsync();
        Assert.Equal(good.Id, Assert.Single(await store.GetAllAsync(Token)).Id);
        Assert.Equal(2, store.Unreadable.Count);
        await store.SaveAsync(Letter("e2", """{"orderId":2}"""), Token);
        Assert.Equal(2, (await store.GetAllAsync(Token)).Count);
        Assert.Equal(2, store.Unreadable.Count);
    }
}
