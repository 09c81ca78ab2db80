using System.Diagnostics.CodeAnalysis;
using Shop.Events;
using Shop.Products;

namespace Shop.Inventory;

/// <summary>Holds the units on hand per SKU and reserves an order's lines all at once or not at all.</summary>
/// <remarks>Thread-safe. Reserving is idempotent per order id: delivery is at least once, and a redelivered
/// order must neither take its units twice nor change its answer.</remarks>
internal sealed class Stock
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, int> _onHand = ProductCatalog.Products.ToDictionary(p => p.Sku, p => p.InitialStock, StringComparer.Ordinal);

    // Null for a reserved order, else its shortage. Never trimmed: a redelivery may come at any time.
    private readonly Dictionary<string, string?> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Reserves every line of order <paramref name="orderId"/>, or none and says which SKU is short.</summary>
    public bool TryReserve(string orderId, IReadOnlyList<OrderLine> lines, [NotNullWhen(false)] out string? shortage)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var wanted = lines.GroupBy(line => line.Sku, StringComparer.Ordinal).Select(g => (Sku: g.Key, Quantity: g.Sum(line => line.Quantity))).ToList();
        lock (_sync)
        {
            if (!_outcomes.TryGetValue(orderId, out shortage))
            {
                shortage = FindShortage(wanted);
                if (shortage is null)
                {
                    foreach (var (sku, quantity) in wanted)
                    {
                        _onHand[sku] -= quantity;
                    }
                }

                _outcomes.Add(orderId, shortage);
            }
        }

        return shortage is null;
    }

    private string? FindShortage(List<(string Sku, int Quantity)> wanted)
    {
        foreach (var (sku, quantity) in wanted)
        {
            var onHand = _onHand.GetValueOrDefault(sku);
            if (onHand < quantity)
            {
                return $"out of stock: {sku} (wanted {quantity}, {onHand} on hand)";
            }
        }

        return null;
    }
}
