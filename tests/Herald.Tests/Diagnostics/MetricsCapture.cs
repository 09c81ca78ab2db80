using Herald.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Herald.Tests.Diagnostics;

/// <summary>Collects Herald's instruments through the OpenTelemetry SDK and its in-memory exporter.</summary>
public sealed class MetricsCapture : IDisposable
{
    private readonly List<MetricSnapshot> _exported = [];
    private readonly MeterProvider _provider;

    public MetricsCapture() =>
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(HeraldDiagnostics.MeterName).AddInMemoryExporter(_exported).Build();

    /// <summary>Collects now and returns the points of <paramref name="name"/> whose attributes include every one of <paramref name="filter"/>.</summary>
    public IReadOnlyList<MetricPoint> Collect(string name, params (string Key, object Value)[] filter)
    {
        _exported.Clear();
        _provider.ForceFlush();
        var points = new List<MetricPoint>();
        foreach (var metric in _exported.Where(m => m.Name == name))
        {
            points.AddRange(metric.MetricPoints.Where(p => filter.All(f => Tags(p).TryGetValue(f.Key, out var v) && Equals(v, f.Value))));
        }

        return points;
    }

    public long Sum(string name, params (string Key, object Value)[] filter) => Collect(name, filter).Sum(p => p.GetSumLong());

    public long GaugeSum(string name, params (string Key, object Value)[] filter) => Collect(name, filter).Sum(p => p.GetGaugeLastValueLong());

    public long HistogramCount(string name, params (string Key, object Value)[] filter) => Collect(name, filter).Sum(p => p.GetHistogramCount());

    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public void Dispose() => _provider.Dispose();
}
