using Herald.Hosting;

namespace Herald.Bench.Transports;

/// <summary>One run's Herald configuration on the run's fresh topology.</summary>
/// <param name="UseTransport">Puts Herald on the transport.</param>
/// <param name="Group">The consumer group that handles the run's events.</param>
/// <param name="ReadyAsync">Completes once the started host's group can be handed events: the clock starts after it.</param>
internal sealed record RunSetup(Action<HeraldBuilder> UseTransport, string Group, Func<Task> ReadyAsync);
