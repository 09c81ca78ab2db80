using NATS.Client.Core;

namespace Herald.Nats;

/// <summary>Configures <see cref="NatsTransport"/>.</summary>
public sealed class NatsTransportOptions
{
    /// <summary>Gets or sets the server URL (comma-separate several for a cluster). Default <c>nats://127.0.0.1:4222</c>.</summary>
    /// <remarks>Ignored when <see cref="Connection"/> is set.</remarks>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>Gets or sets a connection to use instead of opening one from <see cref="Url"/>; the transport does not dispose it.</summary>
    public INatsConnection? Connection { get; set; }

    /// <summary>Gets or sets how many partitions each topic's stream has. Default 8, from 1 to 1,024.</summary>
    /// <remarks>Fixed once a topic exists: every application on the topic must use the same count, or keys land in
    /// different partitions and lose their order.</remarks>
    public int PartitionsPerTopic { get; set; } = 8;

    /// <summary>Gets or sets the prefix of stream names (<c>&lt;prefix&gt;_&lt;topic&gt;</c>). Default <c>herald</c>.</summary>
    public string StreamPrefix { get; set; } = "herald";

    /// <summary>Gets or sets the first token of every subject (<c>&lt;prefix&gt;.&lt;topic&gt;.&lt;partition&gt;</c>). Default <c>herald</c>.</summary>
    public string SubjectPrefix { get; set; } = "herald";

    /// <summary>Gets or sets how many servers keep each stream and consumer. Default 1, from 1 to 5; use 3 in a cluster.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Gets or sets how long JetStream remembers event ids to drop a republished event. Default 2 minutes.</summary>
    /// <remarks>An outbox relay that republishes after a crash within this window publishes the event once.</remarks>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets how long a delivered event may stay unsettled without word from its member before the server delivers it again. Default 30 seconds.</summary>
    /// <remarks>A living member tells the server every third of this that it still holds its events, however long a
    /// handler runs; so this is how long the events a dead member held stay out before another member gets them.</remarks>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many events of one partition a member holds unsettled at most. Default 256, from 1 to 10,000.</summary>
    public int MaxInFlightPerPartition { get; set; } = 256;

    /// <summary>Gets or sets how long one pull request waits for events. Default 1 second, from 1 to 30 seconds.</summary>
    /// <remarks>A partition that moves to another member of the group pauses for about twice this.</remarks>
    public TimeSpan FetchExpiry { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the key-value bucket that keeps dead letters. Default <c>herald-dead-letters</c>.</summary>
    public string DeadLetterBucket { get; set; } = "herald-dead-letters";

    /// <summary>Gets or sets how long the list of every dead letter is kept once read. Default 5 seconds, from zero (not kept) to 1 minute.</summary>
    /// <remarks>Listing the dead letters costs one request for the keys and one per letter, and health checks and
    /// metrics list them on every probe or scrape: within this interval they share one listing, however many ask.
    /// Dead letters this process writes or removes show at once; those of other processes within this interval.</remarks>
    public TimeSpan DeadLetterListCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a lag reading of one topic and group is kept once read. Default 5 seconds, from zero (not kept) to 1 minute.</summary>
    /// <remarks>Reading the lag costs one consumer-info request per partition (and a stream-info request for a group that
    /// never joined), and health checks and metrics read it on every probe or scrape: within this interval they share one
    /// reading, however many ask, and concurrent callers always share the reading in flight. The lag shown is at most this old.</remarks>
    public TimeSpan LagCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the key-value bucket that keeps which process holds which partition of each group. Default <c>herald-leases</c>.</summary>
    public string LeaseBucket { get; set; } = "herald-leases";

    /// <summary>Gets or sets how long a partition's lease lasts unrenewed. Default 15 seconds, from 3 seconds to 5 minutes.</summary>
    /// <remarks>Leases are renewed every third of this. When a process dies, its partitions wait this long for another
    /// process; a process cut off from the server stops handing out events after two thirds of it. Every application on
    /// the server must use the same value: it is the lease bucket's <c>MaxAge</c>.</remarks>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the key-value bucket that keeps reorder-buffer positions per group, topic and key. Default <c>herald-sequences</c>.</summary>
    public string SequenceBucket { get; set; } = "herald-sequences";

    internal NatsTransportOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PartitionsPerTopic, 1, nameof(PartitionsPerTopic));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PartitionsPerTopic, 1024, nameof(PartitionsPerTopic));
        ArgumentOutOfRangeException.ThrowIfLessThan(Replicas, 1, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Replicas, 5, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightPerPartition, 1, nameof(MaxInFlightPerPartition));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxInFlightPerPartition, 10_000, nameof(MaxInFlightPerPartition));
        ArgumentOutOfRangeException.ThrowIfLessThan(FetchExpiry, TimeSpan.FromSeconds(1), nameof(FetchExpiry));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FetchExpiry, TimeSpan.FromSeconds(30), nameof(FetchExpiry));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DuplicateWindow, TimeSpan.Zero, nameof(DuplicateWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AckWait, TimeSpan.Zero, nameof(AckWait));
        ArgumentException.ThrowIfNullOrEmpty(StreamPrefix);
        ArgumentException.ThrowIfNullOrEmpty(SubjectPrefix);
        ArgumentException.ThrowIfNullOrEmpty(DeadLetterBucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(DeadLetterListCacheDuration, TimeSpan.Zero, nameof(DeadLetterListCacheDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DeadLetterListCacheDuration, TimeSpan.FromMinutes(1), nameof(DeadLetterListCacheDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(LagCacheDuration, TimeSpan.Zero, nameof(LagCacheDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LagCacheDuration, TimeSpan.FromMinutes(1), nameof(LagCacheDuration));
        ArgumentException.ThrowIfNullOrEmpty(SequenceBucket);
        ArgumentException.ThrowIfNullOrEmpty(LeaseBucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseDuration, TimeSpan.FromSeconds(3), nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LeaseDuration, TimeSpan.FromMinutes(5), nameof(LeaseDuration));
        return this;
    }
}
