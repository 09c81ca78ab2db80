using Shop.Events;
using Shop.Products;

namespace Shop.Orders;

/// <summary>Makes up orders from a fixed seed, so every run sees the same orders, cards and shortages; only the order
/// ids differ, carrying the run's id.</summary>
/// <remarks>Not thread-safe: one publishing loop owns it.</remarks>
internal sealed class OrderGenerator(int seed, ShopRun run)
{
    private const int Customers = 500;
    private const int MaxLines = 3;
    private const int MaxQuantity = 2;

    private readonly Random _random = new(seed);
    private long _sequence;

    public OrderCreated Next()
    {
        var number = ++_sequence;
        var customer = _random.Next(1, Customers + 1);
        var lines = PickLines();
        return new OrderCreated(
            OrderId: run.OrderId(number),
            CustomerId: $"customer-{customer:D4}",
            CustomerEmail: $"customer{customer:D4}@example.com",
            Lines: lines,
            Total: lines.Sum(line => line.Quantity * line.UnitPrice),
            CardToken: $"tok_{_random.NextInt64(10_000_000_000_000_000):D16}");
    }

    private List<OrderLine> PickLines()
    {
        var count = _random.Next(1, MaxLines + 1);
        var lines = new List<OrderLine>(count);
        while (lines.Count < count)
        {
            var product = ProductCatalog.Pick(_random);
            if (!lines.Exists(line => line.Sku == product.Sku))
            {
                lines.Add(new OrderLine(product.Sku, _random.Next(1, MaxQuantity + 1), product.UnitPrice));
            }
        }

        return lines;
    }
}
