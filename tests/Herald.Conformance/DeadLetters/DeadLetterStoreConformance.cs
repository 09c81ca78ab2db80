using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.DeadLetters;
using Herald.Events;

namespace Herald.Conformance.DeadLetters;

/// <summary>What every dead-letter store must do: one letter per message and group, never overwritten by another message
/// that reuses its event id; letters of the previous key format still read; an unreadable entry set aside, not fatal.</summary>
/// <typeparam name="TFixture">Creates the storage under test.</typeparam>
public abstract class DeadLetterStoreConformance<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : class, IDeadLetterStoreFixture
{
    protected static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TFixture _fixture;
    private IDeadLetterStorage? _storage;
    private CancellationTokenSource? _timeout;

    /// <summary>Creates the suite over the class's fixture.</summary>
    protected DeadLetterStoreConformance(TFixture fixture) => _fixture = fixture;

    protected IDeadLetterStorage Storage => _storage ?? throw new InvalidOperationException("The test has not been initialized.");

    protected CancellationToken Token => _timeout?.Token ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _timeout.CancelAfter(TimeSpan.FromSeconds(60));
        _storage = await _fixture.CreateStorageAsync(_timeout.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        _timeout?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Save_SameMessageAgain_ReplacesItsLetter()
    {
        var store = await Storage.OpenAsync(Token);
        var first = Letter("e1", """{"orderId":1}""");
        await store.SaveAsync(first, Token);
        var again = Letter("e1", """{"orderId":1}""", attempts: 7);
        await store.SaveAsync(again, Token);

        Assert.Equal(first.Id, again.Id);
        var stored = Assert.Single(await (await ReopenAsync()).GetAllAsync(Token));
        Assert.Equal(7, stored.Failure.Attempts);
    }

    [Fact]
    public async Task Save_OtherMessageReusingTheEventId_KeepsBothLetters()
    {
        var store = await Storage.OpenAsync(Token);
        var first = Letter("e1", """{"orderId":1}""");
        var impostor = Letter("e1", """{"orderId":666}""");
        await store.SaveAsync(first, Token);
        await store.SaveAsync(impostor, Token);

        Assert.NotEqual(first.Id, impostor.Id);
        foreach (var opened in new[] { store, await ReopenAsync() })
        {
            Assert.Equal(new[] { first.Id, impostor.Id }.Order(StringComparer.Ordinal), (await opened.GetAllAsync(Token)).Select(l => l.Id).Order(StringComparer.Ordinal));
            Assert.Equal(first.Envelope.Data.ToArray(), (await opened.GetAsync("billing", first.Id, Token))!.Envelope.Data.ToArray());
            Assert.Equal(impostor.Envelope.Data.ToArray(), (await opened.GetAsync("billing", impostor.Id, Token))!.Envelope.Data.ToArray());
        }
    }

    [Fact]
    public async Task Remove_OneOfTwoLettersSharingAnEventId_RemovesOnlyThatOne()
    {
        var store = await Storage.OpenAsync(Token);
        var first = Letter("e1", """{"orderId":1}""");
        var second = Letter("e1", """{"orderId":2}""");
        await store.SaveAsync(first, Token);
        await store.SaveAsync(second, Token);

        Assert.True(await store.RemoveAsync("billing", second.Id, Token));
        Assert.False(await store.RemoveAsync("billing", second.Id, Token));
        Assert.False(await store.RemoveAsync("billing", "e1", Token));

        Assert.Equal(first.Id, Assert.Single(await store.GetAllAsync(Token)).Id);
        var reopened = await ReopenAsync();
        Assert.Equal(first.Id, Assert.Single(await reopened.GetAllAsync(Token)).Id);
        Assert.Null(await reopened.GetAsync("billing", second.Id, Token));
    }

    [Fact]
    public async Task Get_SameIdInAnotherGroup_IsAnotherLetter()
    {
        var store = await Storage.OpenAsync(Token);
        var billing = Letter("e1", """{"orderId":1}""");
        await store.SaveAsync(billing, Token);
        await store.SaveAsync(billing with { Group = "audit", Status = DeadLetterStatus.Redriven, RedrivenAt = Now }, Token);

        Assert.Equal(DeadLetterStatus.Pending, (await store.GetAsync("billing", billing.Id, Token))!.Status);
        Assert.Equal(DeadLetterStatus.Redriven, (await store.GetAsync("audit", billing.Id, Token))!.Status);
        Assert.Null(await store.GetAsync("shipping", billing.Id, Token));
    }

    protected async ValueTask<IDeadLetterStore> ReopenAsync() => await Storage.OpenAsync(Token);

    // The previous version's JSON: the same document without the dead-letter id.
    protected static byte[] LegacyJson(DeadLetter letter)
    {
        var node = JsonNode.Parse(DeadLetterJson.ToUtf8Bytes(letter))!.AsObject();
        node.Remove("id");
        return Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    protected static DeadLetter Letter(string eventId, string data, int attempts = 3) => new()
    {
        Group = "billing",
        Topic = "orders",
        Envelope = new EventEnvelope
        {
            EventId = eventId,
            EventType = "order.placed",
            Timestamp = Now,
            Source = "/shop",
            CorrelationId = "c-" + eventId,
            PartitionKey = "order-1",
            Data = Encoding.UTF8.GetBytes(data),
        },
        Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, "Handler", attempts, Now, Now, Now),
    };
}
