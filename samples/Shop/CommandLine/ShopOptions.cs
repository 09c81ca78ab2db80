namespace Shop.CommandLine;

/// <summary>The parsed command line: <see cref="Orders"/> 0 publishes until Ctrl+C; <see cref="Rate"/> null
/// publishes a finite run as fast as possible.</summary>
internal sealed record ShopOptions(int Orders = ShopOptions.DefaultOrders, int? Rate = null, bool Json = false, bool Help = false)
{
    public const int DefaultOrders = 1000;
    public const int DefaultRate = 100;

    public bool RunsUntilStopped => Orders == 0;

    /// <summary>Gets the publishing rate: the one given, else the default when running until stopped, else none.</summary>
    public int? EffectiveRate => Rate ?? (RunsUntilStopped ? DefaultRate : null);
}
