namespace Herald.Tests.Diagnostics;

/// <summary>Runs the diagnostics tests alone, after the parallel ones.</summary>
/// <remarks>
/// The OpenTelemetry SDK merges the instruments of every <c>Meter("Herald")</c> in the process into one stream per name,
/// and drops the stream once any of those meters is disposed: another test disposing its container mid-test would empty
/// this test's counters. An application has one container, so only tests meet this.
/// </remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosticsTestGroup
{
    public const string Name = "Diagnostics";
}
