using System.Text;
using System.Text.Json;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Events.Upcasting;

/// <summary>Consumers read older versions of an event through its upcasters, and dead-letter what they cannot read.</summary>
public sealed class UpcasterChainTests
{
    private const string Topic = "test.order-created";
    private readonly OrderCreatedJournal _journal = new();

    private HeraldTestHarness Harness(Action<HeraldBuilder> upcasters) =>
        HeraldTestHarness.Create(
            h =>
            {
                h.AddHandler<RecordOrderCreated>("billing");
                upcasters(h);
            },
            s => s.AddSingleton(_journal));

    internal static EventEnvelope Stored(int version, string json, string id) => new()
    {
        EventId = id,
        EventType = Topic,
        EventVersion = version,
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "shop-2024",
        CorrelationId = id,
        PartitionKey = "k",
        Data = Encoding.UTF8.GetBytes(json),
    };

    private static async Task<DeadLetter> SingleDeadLetterAsync(HeraldTestHarness harness)
    {
        await harness.ProcessPendingAsync();
        return Assert.Single(harness.DeadLettered);
    }

    [Fact]
    public async Task OlderVersions_ReachTheHandlerAsTheCurrentVersion_InOrder()
    {
        await using var harness = Harness(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<NestTotalOfOrderCreated>());

        await harness.Transport.SendAsync(Topic, Stored(1, """{"orderId":"o1","amount":12.5}""", "e1"));
        await harness.Transport.SendAsync(Topic, Stored(2, """{"orderId":"o2","amount":3,"currency":"USD"}""", "e2"));
        await harness.PublishAsync(new OrderCreated("o3", new Money(7, "GBP")), new() { PartitionKey = "k" });
        await harness.ProcessPendingAsync();

        Assert.Equal(
            [(new OrderCreated("o1", new Money(12.5m, "EUR")), 1), (new OrderCreated("o2", new Money(3, "USD")), 2), (new OrderCreated("o3", new Money(7, "GBP")), 3)],
            _journal.Handled);
        Assert.Empty(harness.DeadLettered);
    }

    [Fact]
    public async Task Publish_StampsTheCurrentVersion()
    {
        await using var harness = Harness(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<NestTotalOfOrderCreated>());

        var envelope = await harness.PublishAsync(new OrderCreated("o1", new Money(1, "EUR")));

        Assert.Equal(3, envelope.EventVersion);
    }

    [Fact]
    public async Task TypedUpcaster_UsesTheConfiguredJsonOptions()
    {
        await using var harness = Harness(h =>
        {
            h.Options.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            h.AddUpcaster<NestTotalOfOrderCreated>();
        });

        await harness.Transport.SendAsync(Topic, Stored(2, """{"order_id":"o1","amount":4,"currency":"CHF"}""", "e1"));
        await harness.ProcessPendingAsync();

        Assert.Equal([(new OrderCreated("o1", new Money(4, "CHF")), 2)], _journal.Handled);
    }

    [Fact]
    public async Task AssemblyScan_FindsTheUpcastersWithParameterlessConstructors()
    {
        await using var harness = Harness(h => h.AddEventsFromAssembly(typeof(UpcasterChainTests).Assembly));

        await harness.Transport.SendAsync(Topic, Stored(1, """{"orderId":"o1","amount":2}""", "e1"));
        await harness.ProcessPendingAsync();

        Assert.Equal([(new OrderCreated("o1", new Money(2, "EUR")), 1)], _journal.Handled);
    }

    [Fact]
    public async Task NewerVersionThanCurrent_IsDeadLetteredAsUnsupportedVersion()
    {
        await using var harness = Harness(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<NestTotalOfOrderCreated>());

        await harness.Transport.SendAsync(Topic, Stored(4, """{"orderId":"o1","total":{"amount":1,"currency":"EUR"},"channel":"web"}""", "e4"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal((DeadLetterReason.UnsupportedVersion, "e4"), (letter.Failure.Reason, letter.EventId));
        Assert.Contains("v4 is newer", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("reads v3", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Empty(_journal.Handled);
    }

    [Fact]
    public async Task OlderVersionWithoutAnUpcasterFromIt_IsDeadLetteredNamingWhatIsMissing()
    {
        await using var harness = Harness(h => h.AddUpcaster<NestTotalOfOrderCreated>());

        await harness.Transport.SendAsync(Topic, Stored(1, """{"orderId":"o1","amount":2}""", "e1"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal(DeadLetterReason.UnsupportedVersion, letter.Failure.Reason);
        Assert.Contains("no upcaster from v1", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("v2→v3 NestTotalOfOrderCreated", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventWithoutUpcasters_DeadLettersOlderVersionsAsUnsupported()
    {
        await using var harness = Harness(_ => { });

        await harness.Transport.SendAsync(Topic, Stored(2, """{"orderId":"o1","amount":2,"currency":"EUR"}""", "e1"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal(DeadLetterReason.UnsupportedVersion, letter.Failure.Reason);
        Assert.Contains("none is registered", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpcasterThatThrows_IsDeadLetteredNamingIt_AndLaterEventsOfTheKeyFlow()
    {
        await using var harness = Harness(h => h.AddUpcaster(new ExplodingUpcaster(Topic, 1)).AddUpcaster<NestTotalOfOrderCreated>());

        await harness.Transport.SendAsync(Topic, Stored(1, """{"orderId":"o1","amount":2}""", "e1"));
        await harness.Transport.SendAsync(Topic, Stored(2, """{"orderId":"o2","amount":3,"currency":"EUR"}""", "e2"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal((DeadLetterReason.Undeserializable, "e1", 0), (letter.Failure.Reason, letter.EventId, letter.Failure.Attempts));
        Assert.Contains(typeof(ExplodingUpcaster).FullName!, letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("v1→v2", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("no 'amount'", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(typeof(RecordOrderCreated).FullName, letter.Failure.Handler);
        Assert.Equal(1, letter.Envelope.EventVersion);
        Assert.Equal([(new OrderCreated("o2", new Money(3, "EUR")), 2)], _journal.Handled);
    }

    [Theory]
    [InlineData("[1,2]", "JSON array")]
    [InlineData("\"o1\"", "JSON string")]
    [InlineData("{\"orderId\":", "not valid JSON")]
    public async Task PayloadThatIsNotAJsonObject_IsDeadLetteredAsUndeserializable(string json, string expected)
    {
        await using var harness = Harness(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<NestTotalOfOrderCreated>());

        await harness.Transport.SendAsync(Topic, Stored(1, json, "e1"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal(DeadLetterReason.Undeserializable, letter.Failure.Reason);
        Assert.Contains(expected, letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("'test.order-created' v1", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpcastResultThatIsNotTheCurrentShape_IsDeadLetteredAsUndeserializable()
    {
        await using var harness = Harness(h => h.AddUpcaster(new ScriptedUpcaster(Topic, 2, 3, d => new() { ["orderId"] = d["orderId"]!.DeepClone(), ["total"] = 5 })));

        await harness.Transport.SendAsync(Topic, Stored(2, """{"orderId":"o1","amount":5,"currency":"EUR"}""", "e1"));
        var letter = await SingleDeadLetterAsync(harness);

        Assert.Equal(DeadLetterReason.Undeserializable, letter.Failure.Reason);
        Assert.Contains(nameof(OrderCreated), letter.Failure.ExceptionMessage, StringComparison.Ordinal);
    }
}
