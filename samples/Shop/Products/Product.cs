namespace Shop.Products;

/// <summary>A product for sale; <see cref="Weight"/> is how often orders pick it, relative to the others.</summary>
internal sealed record Product(string Sku, decimal UnitPrice, int InitialStock, int Weight);
