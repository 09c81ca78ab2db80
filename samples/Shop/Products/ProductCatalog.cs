using System.Diagnostics;

namespace Shop.Products;

internal static class ProductCatalog
{
    public static IReadOnlyList<Product> Products { get; } =
    [
        new("book-ddia", 39.90m, InitialStock: 1_000_000, Weight: 10),
        new("book-eip", 54.00m, InitialStock: 1_000_000, Weight: 6),
        new("mug-herald", 12.50m, InitialStock: 1_000_000, Weight: 8),
        new("tshirt-herald", 19.00m, InitialStock: 1_000_000, Weight: 8),
        new("sticker-pack", 4.99m, InitialStock: 1_000_000, Weight: 7),
        // Scarce on purpose: it sells out within the first few hundred orders, so later orders
        // that want it fail their reservation.
        new("headphones-nc", 249.00m, InitialStock: 25, Weight: 1),
    ];

    private static readonly int TotalWeight = Products.Sum(p => p.Weight);

    public static Product Pick(Random random)
    {
        var ticket = random.Next(TotalWeight);
        foreach (var product in Products)
        {
            ticket -= product.Weight;
            if (ticket < 0)
            {
                return product;
            }
        }

        throw new UnreachableException("The ticket is below the total weight, so the loop returns.");
    }
}
