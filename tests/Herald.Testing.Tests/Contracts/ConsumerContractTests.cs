using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Herald.Hosting;
using Herald.Testing.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Testing.Tests.Contracts;

public sealed class ConsumerContractTests
{
    [Fact]
    public void Expects_NestedArrayAndRenamedMembers_MapToJsonPaths()
    {
        var contract = ConsumerContract.For("shipping")
            .Expects<ShippingOrderCreated>(e => e.Lines[0].Sku, e => e.Customer.Email, e => e.Customer.Name, e => e.Customer, e => e.Lines);

        var expected = Assert.Single(contract.Expectations);
        Assert.Equal(("order.created", 2), (expected.EventType, expected.Version));
        Assert.Equal(
            [
                new FieldExpectation("customer", ContractFieldKind.Object, true),
                new FieldExpectation("customer.display_name", ContractFieldKind.String, false),
                new FieldExpectation("customer.email", ContractFieldKind.String, true),
                new FieldExpectation("lines", ContractFieldKind.Array, true),
                new FieldExpectation("lines[].sku", ContractFieldKind.String, true),
            ],
            expected.Fields);
    }

    [Fact]
    public void Expects_ValueTypesCollectionsAndDictionaries_TakeKindAndNullabilityFromTheType()
    {
        var contract = ConsumerContract.For("post")
            .Expects<ParcelSent>(
                e => e.ParcelId, e => e.Insured, e => e.WeightKg, e => e.Priority, e => e.SentAt,
                e => e.Labels[0][1], e => e.Labels.First(), e => e.Attributes["colour"]);

        Assert.Equal(
            [
                new FieldExpectation("attributes.colour", ContractFieldKind.String, true),
                new FieldExpectation("insured", ContractFieldKind.Boolean, true),
                new FieldExpectation("labels[]", ContractFieldKind.Array, true),
                new FieldExpectation("labels[][]", ContractFieldKind.String, true),
                new FieldExpectation("parcelId", ContractFieldKind.String, true),
                new FieldExpectation("priority", ContractFieldKind.Number, true),
                new FieldExpectation("sentAt", ContractFieldKind.String, true),
                new FieldExpectation("weightKg", ContractFieldKind.Number, false),
            ],
            Assert.Single(contract.Expectations).Fields);
        Assert.Equal(3, contract.Expectations[0].Version);
    }

    [Fact]
    public void Expects_ProducerSerializerOptions_FollowsItsNamingPolicyAndConverters()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            Converters = { new JsonStringEnumConverter() },
        };

        var contract = ConsumerContract.For("post", options).Expects<ParcelSent>(e => e.WeightKg, e => e.Priority, e => e.SentAt);

        Assert.Equal(
            [
                new FieldExpectation("priority", ContractFieldKind.String, true),
                new FieldExpectation("sent_at", ContractFieldKind.String, true),
                new FieldExpectation("weight_kg", ContractFieldKind.Number, false),
            ],
            contract.Expectations[0].Fields);
    }

    [Fact]
    public async Task Expects_ApplicationsHeraldOptions_NamesFieldsAsTheApplicationWritesThem()
    {
        await using var harness = HeraldTestHarness.Create(h =>
        {
            h.Options.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower;
            h.AddEvent<ParcelSent>();
        });
        var json = harness.Services.GetRequiredService<HeraldOptions>().JsonSerializerOptions;

        var contract = ConsumerContract.For("post", json).Expects<ParcelSent>(e => e.WeightKg, e => e.Labels[0]);
        await harness.PublishAsync(new ParcelSent(Guid.NewGuid(), true, 1.5, Priority.Rush, DateTimeOffset.UnixEpoch, [["fragile"]], []));

        Assert.Equal(["labels[]", "weight-kg"], contract.Expectations[0].Fields.Select(f => f.Path));
        ContractVerifier.Verify([contract], harness.Published);
    }

    [Fact]
    public void Expects_IgnoredMember_ThrowsNamingTheMember()
    {
        var contract = ConsumerContract.For("post");

        var failure = Assert.Throws<ArgumentException>(() => contract.Expects<ParcelSent>(e => e.ParcelId, e => e.Internal));

        Assert.Contains("ParcelSent.Internal is not serialized", failure.Message, StringComparison.Ordinal);
        Assert.Empty(contract.Expectations);
    }

    [Fact]
    public void Expects_ComputedSelector_Throws()
    {
        var failure = Assert.Throws<ArgumentException>(() => ConsumerContract.For("post").Expects<ParcelSent>(e => e.Labels.Count + 1));

        Assert.StartsWith("Cannot map 'e => ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expects_TypeWithoutEventAttribute_Throws() =>
        Assert.Throws<ArgumentException>(() => ConsumerContract.For("post").Expects<Unmarked>(e => e.Id));

    [Fact]
    public void ExpectsField_SameFieldTwice_KeepsTheStricterNullability()
    {
        var contract = ConsumerContract.For("crm")
            .ExpectsField("order.created", 2, "note", ContractFieldKind.String, nonNull: false)
            .ExpectsField("order.created", 2, "note", ContractFieldKind.String);

        Assert.True(Assert.Single(contract.Expectations[0].Fields).NonNull);
        Assert.Throws<ArgumentException>(() => contract.ExpectsField("order.created", 2, "note", ContractFieldKind.Number));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("a.")]
    [InlineData("lines[0].sku")]
    public void ExpectsField_MalformedPath_Throws(string path) =>
        Assert.ThrowsAny<ArgumentException>(() => ConsumerContract.For("crm").ExpectsField("order.created", 2, path, ContractFieldKind.Any));

    [Theory]
    [InlineData("Shipping")]
    [InlineData("ship ping")]
    [InlineData("../shipping")]
    public void For_NameThatCannotNameAFile_Throws(string consumer) =>
        Assert.Throws<ArgumentException>(() => ConsumerContract.For(consumer));

    [Fact]
    public async Task WriteAsync_ThenLoad_RoundTripsTheContract()
    {
        using var directory = new TempDirectory();
        var contract = ShippingContract.Build().ExpectsEvent("order.created", 1);

        var path = await contract.WriteAsync(directory.Path, TestContext.Current.CancellationToken);
        var loaded = ConsumerContract.Load(path);

        Assert.Equal("shipping", loaded.Consumer);
        Assert.Equal(contract.ToJson(), loaded.ToJson());
        Assert.Equal(
            contract.Expectations.SelectMany(e => e.Fields.Select(f => (e.EventType, e.Version, f))),
            loaded.Expectations.SelectMany(e => e.Fields.Select(f => (e.EventType, e.Version, f))));
        Assert.Equal([("order.cancelled", 1), ("order.created", 1), ("order.created", 2)], loaded.Expectations.Select(e => (e.EventType, e.Version)));
    }

    [Fact]
    public void ToJson_DeclarationOrder_DoesNotChangeTheFile()
    {
        var forwards = ConsumerContract.For("crm")
            .ExpectsField("order.created", 2, "b", ContractFieldKind.String)
            .ExpectsField("order.created", 2, "a", ContractFieldKind.Number)
            .ExpectsEvent("customer.registered");
        var backwards = ConsumerContract.For("crm")
            .ExpectsEvent("customer.registered")
            .ExpectsField("order.created", 2, "a", ContractFieldKind.Number)
            .ExpectsField("order.created", 2, "b", ContractFieldKind.String);

        Assert.Equal(forwards.ToJson(), backwards.ToJson());
        Assert.Equal(
            """
            {
              "consumer": "crm",
              "format": 1,
              "events": [
                {
                  "type": "customer.registered",
                  "version": 1,
                  "fields": []
                },
                {
                  "type": "order.created",
                  "version": 2,
                  "fields": [
                    { "path": "a", "kind": "number", "nonNull": true },
                    { "path": "b", "kind": "string", "nonNull": true }
                  ]
                }
              ]
            }

            """.ReplaceLineEndings("\n"),
            forwards.ToJson());
    }
}
