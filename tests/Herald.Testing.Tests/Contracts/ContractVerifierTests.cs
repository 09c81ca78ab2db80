using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Herald.Testing.Contracts;

namespace Herald.Testing.Tests.Contracts;

public sealed class ContractVerifierTests
{
    private const string Cancelled = """{"orderId":"o-1","reason":"out of stock"}""";

    private static readonly ConsumerContract[] Shipping = [ShippingContract.Build()];

    [Fact]
    public void Verify_EventObjectsSatisfyContract_Passes() =>
        ContractVerifier.Verify(Shipping, [ShippingContract.SampleOrder(), new OrderCancelled("o-1", "late")]);

    [Fact]
    public void Verify_RenamedField_NamesConsumerEventVersionAndField()
    {
        var order = """{"orderId":"o-1","lines":[{"stockKeepingUnit":"s","quantity":1}],"customer":{"email":"a@b"},"note":null}""";

        var failure = Assert.Throws<ContractViolationException>(() => Verify(Shipping, order));

        var violation = Assert.Single(failure.Violations);
        Assert.Equal(("shipping", "order.created", 2, "lines[].sku"), (violation.Consumer, violation.EventType, violation.Version, violation.Field));
        Assert.Equal(
            "Contract 'shipping' expects order.created v2 field 'lines[].sku' (string, non-null); the producer's order.created v2 has no such field",
            violation.Message);
        Assert.Contains(violation.Message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ChangedFieldType_ReportsExpectedAndActualKinds()
    {
        var order = """{"orderId":"o-1","lines":[{"sku":"s","quantity":"1"}],"customer":{"email":"a@b"},"note":null}""";

        var failure = Assert.Throws<ContractViolationException>(() => Verify(Shipping, order));

        Assert.Equal(
            "Contract 'shipping' expects order.created v2 field 'lines[].quantity' (number, non-null); the producer's order.created v2 has 'lines[].quantity' as string",
            Assert.Single(failure.Violations).Message);
    }

    [Fact]
    public void Verify_SeveralBrokenFields_ListsEveryViolation()
    {
        var order = """{"id":"o-1","lines":{"sku":"s"},"customer":{"email":null},"note":7}""";

        var failure = Assert.Throws<ContractViolationException>(() => Verify(Shipping, order));

        Assert.Equal(
            [
                "Contract 'shipping' expects order.created v2 field 'customer.email' (string, non-null); the producer's order.created v2 has null 'customer.email' in 1 of 1 samples",
                "Contract 'shipping' expects order.created v2 field 'lines[].quantity' (number, non-null); the producer's order.created v2 has 'lines' as object, not array",
                "Contract 'shipping' expects order.created v2 field 'lines[].sku' (string, non-null); the producer's order.created v2 has 'lines' as object, not array",
                "Contract 'shipping' expects order.created v2 field 'note' (string); the producer's order.created v2 has 'note' as number",
                "Contract 'shipping' expects order.created v2 field 'orderId' (string, non-null); the producer's order.created v2 has no such field",
            ],
            failure.Violations.Select(v => v.Message));
        Assert.StartsWith("5 violations of consumer contract 'shipping':\n  - Contract 'shipping'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NewerVersionPublished_ReportsVersionMismatch()
    {
        var failure = Assert.Throws<ContractViolationException>(() =>
            ContractVerifier.Verify(Shipping, [ShippingContract.Envelope("order.created", 3, "{}"), ShippingContract.Envelope("order.cancelled", 1, Cancelled)]));

        Assert.Equal(
            "Contract 'shipping' expects order.created v2; the producer publishes order.created v3",
            Assert.Single(failure.Violations).Message);
    }

    [Fact]
    public void Verify_OlderVersionTheConsumerAccepts_Passes()
    {
        var contract = ConsumerContract.For("audit")
            .ExpectsField("order.created", 2, "orderId", ContractFieldKind.String)
            .ExpectsField("order.created", 1, "id", ContractFieldKind.String);

        ContractVerifier.Verify([contract], [ShippingContract.Envelope("order.created", 1, """{"id":"o-1"}""")]);
    }

    [Fact]
    public void Verify_SeveralConsumersOneBroken_NamesOnlyTheBrokenOne()
    {
        var billing = ConsumerContract.For("billing").ExpectsField("order.created", 2, "total", ContractFieldKind.Number);
        var crm = ConsumerContract.For("crm").ExpectsField("order.created", 2, "customer.display_name", ContractFieldKind.String, nonNull: false);
        var order = """{"orderId":"o-1","lines":[{"sku":"s","quantity":1}],"customer":{"email":"a@b","display_name":"Ada"},"note":null,"total":"30.00"}""";

        var failure = Assert.Throws<ContractViolationException>(() => Verify([billing, crm, .. Shipping], order));

        Assert.Equal("billing", Assert.Single(failure.Violations).Consumer);
        Assert.StartsWith("1 violation of consumer contract 'billing':", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("crm", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("shipping", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NullableFieldOmittedInSomeSamples_Passes()
    {
        var contract = ConsumerContract.For("crm").ExpectsField("order.created", 2, "customer.display_name", ContractFieldKind.String, nonNull: false);

        ContractVerifier.Verify([contract], [
            ShippingContract.Envelope("order.created", 2, """{"customer":{"display_name":"Ada"}}"""),
            ShippingContract.Envelope("order.created", 2, """{"customer":{}}"""),
            ShippingContract.Envelope("order.created", 2, """{"customer":null}"""),
        ]);
    }

    [Fact]
    public void Verify_NonNullFieldOmittedInOneSample_CountsTheSamples()
    {
        var contract = ConsumerContract.For("crm").ExpectsField("order.created", 2, "customer.email", ContractFieldKind.String);

        var violations = ContractVerifier.FindViolations([contract], [
            ShippingContract.Envelope("order.created", 2, """{"customer":{"email":"a@b"}}"""),
            ShippingContract.Envelope("order.created", 2, """{"customer":{}}"""),
        ]);

        Assert.EndsWith("has no such field in 1 of 2 samples", Assert.Single(violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OnlyEmptyArrays_ReportsThatNoSampleReachesTheField()
    {
        var contract = ConsumerContract.For("picking").ExpectsField("order.created", 2, "lines[].sku", ContractFieldKind.String);

        var violations = ContractVerifier.FindViolations([contract], [ShippingContract.Envelope("order.created", 2, """{"lines":[]}""")]);

        Assert.Equal(
            "Contract 'picking' expects order.created v2 field 'lines[].sku' (string, non-null); the producer's order.created v2 has no sample that reaches the field " +
            "(1 samples checked: empty arrays or nulls on the way); publish one that does",
            Assert.Single(violations).Message);
    }

    [Fact]
    public void Verify_AnyKind_AcceptsEveryNonNullValue()
    {
        var contract = ConsumerContract.For("audit").ExpectsField("order.created", 2, "lines[]", ContractFieldKind.Any);

        ContractVerifier.Verify([contract], [ShippingContract.Envelope("order.created", 2, """{"lines":[1,"two",{"x":3},[4],true]}""")]);
    }

    [Fact]
    public void Verify_EventObjectsWithTheProducersSerializer_UsesItsNames()
    {
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var contract = ConsumerContract.For("crm").ExpectsField("order.cancelled", 1, "order_id", ContractFieldKind.String);
        OrderCancelled[] samples = [new("o-1", "late")];

        ContractVerifier.Verify([contract], samples, new() { JsonSerializerOptions = json });
        Assert.Equal("order_id", Assert.Single(ContractVerifier.FindViolations([contract], samples)).Field);
    }

    [Fact]
    public void Verify_SampleOfUnknownShape_ThrowsArgumentException()
    {
        var failure = Assert.Throws<ArgumentException>(() => ContractVerifier.Verify(Shipping, [new Unmarked("x")]));

        Assert.Contains("Unmarked is not an EventEnvelope, a PublishedEvent or a type marked [Event]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyAll_DirectoryWithoutContracts_ThrowsInsteadOfPassing()
    {
        using var empty = new TempDirectory();

        var failure = Assert.Throws<InvalidOperationException>(() => ContractVerifier.VerifyAll(empty.Path, [ShippingContract.SampleOrder()]));

        Assert.Contains("No *.contract.json file", failure.Message, StringComparison.Ordinal);
    }

    private static void Verify(IEnumerable<ConsumerContract> contracts, string orderJson) =>
        ContractVerifier.Verify(contracts, [ShippingContract.Envelope("order.created", 2, orderJson), ShippingContract.Envelope("order.cancelled", 1, Cancelled)]);
}
