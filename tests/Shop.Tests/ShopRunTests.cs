namespace Shop.Tests;

public sealed class ShopRunTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.FromHours(1));

    [Fact]
    public void OrderId_Always_CarriesTheRunIdInUtc() =>
        Assert.Equal("order-20250314T082653589-0000042", new ShopRun(Start).OrderId(42));

    [Fact]
    public void Placed_OwnOrder_IsTrue()
    {
        var run = new ShopRun(Start);

        Assert.True(run.Placed(run.OrderId(1)));
    }

    [Fact]
    public void Placed_OrderOfARunOneMillisecondEarlier_IsFalse()
    {
        var earlier = new ShopRun(Start.AddMilliseconds(-1));

        Assert.False(new ShopRun(Start).Placed(earlier.OrderId(1)));
    }

    [Fact]
    public void Placed_OrderWithoutRunId_IsFalse() =>
        Assert.False(new ShopRun(Start).Placed("order-0000001"));
}
