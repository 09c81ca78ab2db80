using Herald.Testing.Contracts;

namespace Herald.Testing.Tests.Contracts;

/// <summary>The two halves of a consumer-driven contract test, as two services would write them.</summary>
public sealed class ContractTestPairTests
{
    [Fact]
    public async Task Consumer_Shipping_WritesTheCommittedContract()
    {
        using var output = new TempDirectory();

        var path = await ShippingContract.Build().WriteAsync(output.Path, TestContext.Current.CancellationToken);

        Assert.Equal(output.File("shipping.contract.json"), path);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(TempDirectory.CommittedContracts(), "shipping.contract.json"), TestContext.Current.CancellationToken),
            await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Producer_Orders_SatisfiesEveryCommittedContract()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<CancelEveryOrder>("orders").AddEvent<OrderCancelled>());
        await harness.PublishAsync(ShippingContract.SampleOrder());
        await harness.ProcessPendingAsync();
        Assert.Empty(harness.Failed);

        ContractVerifier.VerifyAll(TempDirectory.CommittedContracts(), harness.Published);
    }

    [Fact]
    public async Task Producer_RenamedAndRetypedField_FailsNamingConsumerAndFields()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<ChangedOrderCreated>().AddEvent<OrderCancelled>());
        await harness.PublishAsync(new ChangedOrderCreated("o-1", [new ChangedOrderLine("sku-1", "2")], new Customer("ada@example.com", null), 30m, null));
        await harness.PublishAsync(new OrderCancelled("o-1", "late"));

        var failure = Assert.Throws<ContractViolationException>(() => ContractVerifier.VerifyAll(TempDirectory.CommittedContracts(), harness.Published));

        Assert.Equal(
            "2 violations of consumer contract 'shipping':\n" +
            "  - Contract 'shipping' expects order.created v2 field 'lines[].quantity' (number, non-null); the producer's order.created v2 has 'lines[].quantity' as string\n" +
            "  - Contract 'shipping' expects order.created v2 field 'lines[].sku' (string, non-null); the producer's order.created v2 has no such field",
            failure.Message);
    }

    [Fact]
    public async Task Producer_OrderCancelledNeverPublished_FailsNamingConsumerAndEvent()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderCreated>());
        await harness.PublishAsync(ShippingContract.SampleOrder());

        var failure = Assert.Throws<ContractViolationException>(() => ContractVerifier.VerifyAll(TempDirectory.CommittedContracts(), harness.Published));

        Assert.Equal(
            "1 violation of consumer contract 'shipping':\n" +
            "  - Contract 'shipping' expects order.cancelled v1; the producer published no order.cancelled sample " +
            "(publish one in the test, or leave the event out of ContractVerifierOptions.ProducedEvents if another service produces it)",
            failure.Message);
    }

    [Fact]
    public async Task Producer_ScopedToItsOwnEvents_SkipsEventsOthersProduce()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderCreated>());
        await harness.PublishAsync(ShippingContract.SampleOrder());

        ContractVerifier.VerifyAll(TempDirectory.CommittedContracts(), harness.Published, new() { ProducedEvents = ["order.created"] });
    }
}
