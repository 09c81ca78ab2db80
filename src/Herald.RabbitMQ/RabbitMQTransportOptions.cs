namespace Herald.RabbitMQ;

/// <summary>Configures the RabbitMQ transport.</summary>
public sealed class RabbitMQTransportOptions
{
    /// <summary>Gets or sets the broker's AMQP URI. Default <c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>Gets or sets how many partitions (one quorum queue per consumer group each) a topic has. Default 4, from 1 to 256.</summary>
    /// <remarks>The publisher routes a key to <c>p&lt;murmur2(key) mod Partitions&gt;</c>, so every application that shares
    /// a topic must use the same value, and changing it moves keys between partitions (their order is then kept only
    /// for events published after the change). Members of a group share partitions, so it bounds a group's parallelism.</remarks>
    public int Partitions { get; set; } = 4;

    /// <summary>Gets or sets how many unacknowledged deliveries the broker sends ahead per partition a member holds. Default 100, from 1 to 65535.</summary>
    public int PrefetchCount { get; set; } = 100;

    /// <summary>Gets or sets the prefix of every exchange and queue Herald declares. Default <c>herald.</c>.</summary>
    /// <remarks>Must not start with <c>amq.</c>, which RabbitMQ reserves.</remarks>
    public string NamePrefix { get; set; } = "herald.";

    /// <summary>Gets or sets the connection name shown in the broker's tools. Default <c>herald</c>.</summary>
    public string ClientName { get; set; } = "herald";

    /// <summary>Gets or sets how long the client waits between attempts to reconnect after losing the broker. Default 2 seconds.</summary>
    public TimeSpan NetworkRecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how often a process checks its share of each group's partitions against the other processes'. Default 2 seconds, from 100 ms to 1 minute.</summary>
    /// <remarks>A process that joins a group gets partitions within about two of these; a process that dies without
    /// closing its connection gives them up when the broker notices (its connection heartbeat, 60 s by default).</remarks>
    public TimeSpan RebalanceInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how long a lag reading of one topic and group is kept once read. Default 5 seconds, from zero (not kept) to 1 minute.</summary>
    /// <remarks>Reading the lag opens a channel and declares each partition queue passively, and health checks and metrics
    /// read it on every probe or scrape: within this interval they share one reading, however many ask, and concurrent
    /// callers always share the reading in flight. The ready counts shown are at most this old.</remarks>
    public TimeSpan LagCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(LagCacheDuration, TimeSpan.Zero, nameof(LagCacheDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LagCacheDuration, TimeSpan.FromMinutes(1), nameof(LagCacheDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(RebalanceInterval, TimeSpan.FromMilliseconds(100));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RebalanceInterval, TimeSpan.FromMinutes(1));
        ArgumentNullException.ThrowIfNull(Uri);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefetchCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PrefetchCount, ushort.MaxValue);
        ArgumentNullException.ThrowIfNull(NamePrefix);
        if (NamePrefix.StartsWith("amq.", StringComparison.Ordinal))
        {
            throw new ArgumentException("RabbitMQ reserves names that start with 'amq.'.", nameof(NamePrefix));
        }
    }
}
