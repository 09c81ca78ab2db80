namespace Shop.Services;

/// <summary>The names of the services on the command line and in the data directory.</summary>
internal static class ShopServiceNames
{
    /// <summary>Gets every service, in the order the usage names them.</summary>
    public static IReadOnlyList<ShopService> All { get; } = Enum.GetValues<ShopService>();

    /// <summary>Returns the service's name: <c>orders</c>, <c>payment</c>, <c>inventory</c> or <c>notification</c>.</summary>
    public static string Name(this ShopService service) => service switch
    {
        ShopService.Orders => "orders",
        ShopService.Payment => "payment",
        ShopService.Inventory => "inventory",
        ShopService.Notification => "notification",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Not one of the shop's services."),
    };

    /// <summary>Returns the service named <paramref name="name"/> (any case), or null.</summary>
    public static ShopService? Parse(string? name) =>
        All.Select(s => (ShopService?)s).FirstOrDefault(s => string.Equals(s!.Value.Name(), name, StringComparison.OrdinalIgnoreCase));
}
