using Herald.Hosting;

namespace Herald.Bench.Transports;

/// <summary>One transport in the <c>transports</c> comparison: how to check it is there, configure Herald on it and clean up after a run.</summary>
/// <param name="Key">The transport's key in the JSON line (<c>transports_&lt;key&gt;_…</c>).</param>
/// <param name="Name">The transport's name in the table.</param>
/// <param name="Acknowledged">What a completed publish means on this transport, for the table.</param>
/// <param name="ProbeAsync">Returns null when the transport can run, else why not (a broker that is down).</param>
/// <param name="Configure">Puts Herald on the transport; the string is the run's unique name, for fresh queues, streams or directories.</param>
/// <param name="CleanUpAsync">Deletes what a run with that unique name left behind (queues, streams, files).</param>
internal sealed record TransportCase(
    string Key,
    string Name,
    string Acknowledged,
    Func<Task<string?>> ProbeAsync,
    Action<HeraldBuilder, string> Configure,
    Func<string, Task> CleanUpAsync)
{
    /// <summary>Gets the consumer group of the run with the given unique name. Default: <see cref="EndToEndRun.Group"/>, which
    /// the transports whose queues or streams carry the run's name as a prefix keep.</summary>
    public Func<string, string> Group { get; init; } = _ => EndToEndRun.Group;

    /// <summary>Gets what completes, once the run's host has started, when its group has been given every partition.
    /// Default: nothing to wait for (starting the host joins the group).</summary>
    public Func<string, Task> ReadyAsync { get; init; } = _ => Task.CompletedTask;

    /// <summary>Gets what starts the broker the row's runs share, when the bench hosts it itself, and returns what stops it.
    /// Default: nothing to start (the broker is a service of its own).</summary>
    public Func<Task<IAsyncDisposable?>> OpenAsync { get; init; } = () => Task.FromResult<IAsyncDisposable?>(null);
}
