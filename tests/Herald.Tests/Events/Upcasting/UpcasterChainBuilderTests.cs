using System.Text.Json.Serialization;
using Herald.Hosting;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Events.Upcasting;

/// <summary>Knows the current shape of the event, not the old one a typed upcaster reads.</summary>
[JsonSerializable(typeof(OrderCreated))]
internal sealed partial class CurrentOrderJsonContext : JsonSerializerContext;

/// <summary>An inconsistent set of upcasters stops the application at start-up, with a message naming what to fix.</summary>
public sealed class UpcasterChainBuilderTests
{
    private const string Event = "test.order-created";

    private static InvalidOperationException Fails(Action<HeraldBuilder> configure) =>
        Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(
            h => configure(h.AddHandler<RecordOrderCreated>("billing")),
            s => s.AddSingleton(new OrderCreatedJournal())));

    private static void AssertMentions(Exception error, params string[] texts)
    {
        foreach (var text in texts)
        {
            Assert.Contains(text, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MissingLink_FailsStartNamingTheEventTheGapAndTheUpcaster()
    {
        // Current version 4; v1→v2 and v3→v4 exist, v2→v3 does not.
        var error = Fails(h => h
            .AddEvent<OrderCreated>(e => e.Version = 4)
            .AddUpcaster<AddCurrencyToOrderCreated>()
            .AddUpcaster(new ScriptedUpcaster(Event, 3, 4)));

        AssertMentions(error, $"'{Event}'", "current v4", typeof(AddCurrencyToOrderCreated).FullName!, "v1→v2", "no upcaster leads on from v2", "v3→v4 ScriptedUpcaster");
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    public void UpcasterThatDoesNotRaiseTheVersion_FailsStartAsACycle(int from, int to)
    {
        var error = Fails(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster(new ScriptedUpcaster(Event, from, to)));

        AssertMentions(error, typeof(ScriptedUpcaster).FullName!, $"'{Event}' v{from}→v{to}", "cycle");
    }

    [Fact]
    public void TwoUpcastersFromOneVersion_FailStartNamingBoth()
    {
        var error = Fails(h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<NestTotalOfOrderCreated>().AddUpcaster(new ScriptedUpcaster(Event, 1, 2)));

        AssertMentions(error, $"'{Event}'", "two upcasters from v1", typeof(AddCurrencyToOrderCreated).FullName!, typeof(ScriptedUpcaster).FullName!);
    }

    [Fact]
    public void UpcasterForAnUnregisteredEvent_FailsStartNamingIt()
    {
        var error = Fails(h => h.AddUpcaster(new ScriptedUpcaster("test.order-crated", 1, 2)));

        AssertMentions(error, "'test.order-crated'", "not a registered event", typeof(ScriptedUpcaster).FullName!);
    }

    [Fact]
    public void UpcasterBeyondTheCurrentVersion_FailsStartNamingBothVersions()
    {
        var error = Fails(h => h.AddUpcaster(new ScriptedUpcaster(Event, 2, 4)));

        AssertMentions(error, typeof(ScriptedUpcaster).FullName!, "to v4", "beyond v3", typeof(OrderCreated).FullName!);
    }

    [Fact]
    public void UpcasterFromVersionZero_FailsStart()
    {
        var error = Fails(h => h.AddUpcaster(new ScriptedUpcaster(Event, 0, 1)));

        AssertMentions(error, "from v0", "versions start at 1");
    }

    [Fact]
    public void TypedUpcasterWhoseShapeTheJsonOptionsCannotSerialize_FailsStartNamingBoth()
    {
        var error = Fails(h =>
        {
            h.Options.JsonSerializerOptions.TypeInfoResolver = CurrentOrderJsonContext.Default;
            h.AddUpcaster<NestTotalOfOrderCreated>();
        });

        AssertMentions(error, typeof(NestTotalOfOrderCreated).FullName!, typeof(OrderCreatedWithCurrency).FullName!, "source-generated");
    }

    [Fact]
    public async Task SameUpcasterRegisteredTwiceAndScanned_IsOneRegistration()
    {
        var assembly = typeof(OrderCreated).Assembly;
        await using var harness = HeraldTestHarness.Create(
            h => h.AddUpcaster<AddCurrencyToOrderCreated>().AddUpcaster<AddCurrencyToOrderCreated>().AddEventsFromAssembly(assembly).AddEventsFromAssembly(assembly));

        Assert.Equal(3, harness.Registry.Events.Single(e => e.Name == Event).Version);
    }

    [Fact]
    public async Task EventWithoutUpcasters_StartsAsBefore()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<RecordOrderCreated>("billing"), s => s.AddSingleton(new OrderCreatedJournal()));

        Assert.True(harness.Registry.TryGet(Event, out _));
    }
}
