namespace Herald.Consuming;

/// <summary>
/// When a consumer group stops fetching because its handlers keep failing (a database or an API they need is down), and
/// for how long: instead of burning retries on every event, the group waits, then lets one event through as a probe.
/// </summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Gets or sets the share of failed handler calls in <see cref="SamplingDuration"/> that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets the handler calls needed in <see cref="SamplingDuration"/> before the ratio counts. Default 10.</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the window the failure ratio is measured over. Default 30 s.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the group stops fetching once the circuit opens. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate(string group)
    {
        static void Check(bool valid, string group, string problem)
        {
            if (!valid)
            {
                throw new InvalidOperationException($"Consumer group '{group}': CircuitBreaker.{problem}");
            }
        }

        Check(FailureRatio is > 0 and <= 1, group, $"FailureRatio is {FailureRatio}; it must be above 0 and at most 1.");
        Check(MinimumThroughput >= 2, group, $"MinimumThroughput is {MinimumThroughput}; it must be at least 2.");
        Check(SamplingDuration >= TimeSpan.FromMilliseconds(500), group, $"SamplingDuration is {SamplingDuration}; it must be at least 0.5 s.");
        Check(BreakDuration >= TimeSpan.FromMilliseconds(500) && BreakDuration <= TimeSpan.FromDays(1), group, $"BreakDuration is {BreakDuration}; it must be from 0.5 s to 1 day.");
    }
}
