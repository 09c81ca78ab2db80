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
    Func<string, Task> CleanUpAsync);
