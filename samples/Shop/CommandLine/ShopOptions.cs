namespace Shop.CommandLine;

/// <param name="Orders">How many orders to publish; 0 publishes until Ctrl+C.</param>
/// <param name="Rate">Orders per second, or null to publish a finite run as fast as possible.</param>
internal sealed record ShopOptions(int Orders = ShopOptions.DefaultOrders, int? Rate = null, bool Json = false, bool Help = false)
{
    public const int DefaultOrders = 1000;
    public const int DefaultRate = 100;

    public bool RunsUntilStopped => Orders == 0;

    /// <summary>Gets the publishing rate: the one given, else the default when running until stopped, else none.</summary>
    public int? EffectiveRate => Rate ?? (RunsUntilStopped ? DefaultRate : null);
}
