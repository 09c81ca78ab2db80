using System.Text.RegularExpressions;

namespace Herald.OpenTelemetry.Tests;

/// <summary>The series of a Prometheus text exposition: metric names and the label names they carry.</summary>
internal sealed partial class PrometheusText
{
    private PrometheusText(string text, HashSet<string> metrics, HashSet<string> labels)
    {
        Text = text;
        Metrics = metrics;
        Labels = labels;
    }

    public string Text { get; }

    public IReadOnlySet<string> Metrics { get; }

    public IReadOnlySet<string> Labels { get; }

    public static PrometheusText Parse(string text)
    {
        var metrics = new HashSet<string>(StringComparer.Ordinal);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (Sample().Match(line) is { Success: true } sample)
            {
                metrics.Add(sample.Groups["name"].Value);
                foreach (Match label in Label().Matches(sample.Groups["labels"].Value))
                {
                    labels.Add(label.Groups["name"].Value);
                }
            }
        }

        return new PrometheusText(text, metrics, labels);
    }

    /// <summary>Returns the value of the first sample of <paramref name="metric"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    public double? Value(string metric, params string[] labels)
    {
        foreach (var line in Text.Split('\n'))
        {
            if (Sample().Match(line) is { Success: true } sample && sample.Groups["name"].Value == metric
                && labels.All(l => sample.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            {
                return double.Parse(sample.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex Label();
}
