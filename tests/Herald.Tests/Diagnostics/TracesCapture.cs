using System.Diagnostics;
using Herald.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Herald.Tests.Diagnostics;

/// <summary>Collects Herald's spans through the OpenTelemetry SDK and its in-memory exporter.</summary>
public sealed class TracesCapture : IDisposable
{
    private readonly List<Activity> _exported = [];
    private readonly TracerProvider _provider;

    public TracesCapture(params string[] extraSources) =>
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource([HeraldDiagnostics.ActivitySourceName, .. extraSources])
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(_exported)
            .Build()!;

    /// <summary>Returns the spans ended so far on <paramref name="topics"/>, in the order they ended.</summary>
    public IReadOnlyList<Activity> On(params string[] topics)
    {
        _provider.ForceFlush();
        lock (_exported)
        {
            return [.. _exported.Where(a => a.GetTagItem("messaging.destination.name") is string topic && topics.Contains(topic))];
        }
    }

    public void Dispose() => _provider.Dispose();
}
