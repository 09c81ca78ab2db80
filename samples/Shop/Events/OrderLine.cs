namespace Shop.Events;

internal sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);
