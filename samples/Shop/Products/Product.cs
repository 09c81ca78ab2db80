namespace Shop.Products;

/// <param name="Weight">How often orders pick the product, relative to the others.</param>
internal sealed record Product(string Sku, decimal UnitPrice, int InitialStock, int Weight);
