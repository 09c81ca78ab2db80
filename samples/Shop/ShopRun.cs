using System.Globalization;

namespace Shop;

/// <summary>Identifies one run of the shop, so that its orders can be told from those earlier runs left in the data directory.</summary>
/// <remarks>
/// The id is the run's start time to the millisecond, in UTC. Runs on one data directory never overlap (the log locks
/// it) and each lasts well over a millisecond, so no two runs on a directory share an id. The four services of a run
/// run as processes of their own are given one id (<c>--run</c>), as the orders service makes it up by default.
/// </remarks>
internal sealed class ShopRun
{
    private readonly string _orderIdPrefix;
    private readonly string _poisonIdPrefix;

    public ShopRun(DateTimeOffset startedAt)
        : this(startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture), startedAt)
    {
    }

    /// <summary>Creates a run with a given id: the one the four services of a run share (<c>--run</c>).</summary>
    public ShopRun(string id, DateTimeOffset startedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        StartedAt = startedAt;
        Id = id;
        _orderIdPrefix = $"order-{Id}-";
        _poisonIdPrefix = $"poison-{Id}-";
    }

    public string Id { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Returns the id of this run's order number <paramref name="number"/>, such as <c>order-20250101T120000000-0000001</c>.</summary>
    public string OrderId(long number) => string.Create(CultureInfo.InvariantCulture, $"{_orderIdPrefix}{number:D7}");

    /// <summary>Returns the event id of this run's poison event number <paramref name="number"/>, such as <c>poison-20250101T120000000-0000001</c>.</summary>
    public string PoisonEventId(long number) => string.Create(CultureInfo.InvariantCulture, $"{_poisonIdPrefix}{number:D7}");

    /// <summary>Gets what every order id of this run starts with, such as <c>order-20250101T120000000-</c>.</summary>
    public string OrderIdPrefix => _orderIdPrefix;

    /// <summary>Returns whether this run placed the order <paramref name="orderId"/>.</summary>
    public bool Placed(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        return orderId.StartsWith(_orderIdPrefix, StringComparison.Ordinal);
    }

    /// <summary>Returns whether an event with partition key <paramref name="key"/> belongs to this run: one of its orders'
    /// events (keyed by order id) or one of its poison events (keyed by their event id).</summary>
    public bool Owns(string? key) =>
        key is not null && (key.StartsWith(_orderIdPrefix, StringComparison.Ordinal) || key.StartsWith(_poisonIdPrefix, StringComparison.Ordinal));
}
