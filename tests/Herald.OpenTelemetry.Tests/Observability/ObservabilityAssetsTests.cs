using System.Text.Json;
using System.Text.RegularExpressions;

namespace Herald.OpenTelemetry.Tests.Observability;

/// <summary>The Grafana dashboard and the Prometheus alert rules in docs/observability name only series Herald emits.</summary>
public sealed partial class ObservabilityAssetsTests(HeraldScrapeFixture fixture) : IClassFixture<HeraldScrapeFixture>
{
    // Series Herald emits that the dashboard leaves out on purpose: they need features the dashboard does not assume.
    private static readonly string[] NotOnDashboard = ["herald_consumer_duplicates_total", "herald_consumer_reorder_buffered"];

    private static string DashboardPath => Path.Combine(AppContext.BaseDirectory, "Observability", "grafana-dashboard.json");

    private static string AlertsPath => Path.Combine(AppContext.BaseDirectory, "Observability", "prometheus-alerts.yml");

    [Fact]
    public void Dashboard_EveryMetricAndLabel_AppearsInAScrape() =>
        AssertAllScraped(DashboardQueries(), "grafana-dashboard.json");

    [Fact]
    public void AlertRules_EveryMetricAndLabel_AppearsInAScrape()
    {
        var rules = File.ReadAllText(AlertsPath);

        Assert.Equal(AlertName().Count(rules), Expression().Count(rules));
        AssertAllScraped([rules], "prometheus-alerts.yml");
    }

    [Fact]
    public void Dashboard_EveryHeraldMetric_HasAPanel()
    {
        var queries = string.Join('\n', DashboardQueries());
        var families = fixture.Scrape.Metrics
            .Where(m => m.StartsWith("herald_", StringComparison.Ordinal) || m.StartsWith("messaging_", StringComparison.Ordinal))
            .Select(m => HistogramSuffix().Replace(m, string.Empty))
            .Distinct()
            .Except(NotOnDashboard);

        Assert.All(families, family => Assert.Contains(family, queries, StringComparison.Ordinal));
    }

    private void AssertAllScraped(IEnumerable<string> texts, string file)
    {
        var names = texts.SelectMany(t => HeraldName().Matches(t)).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(names);
        var missing = names.Where(n => !fixture.Scrape.Metrics.Contains(n) && !fixture.Scrape.Labels.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"{file} names series or labels no scrape has: {string.Join(", ", missing)}");
    }

    /// <returns>Every PromQL expression of the dashboard: the panels' targets and the template variables' queries.</returns>
    private static List<string> DashboardQueries()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var queries = new List<string>();
        Collect(document.RootElement, queries);
        Assert.NotEmpty(queries);
        return queries;

        static void Collect(JsonElement element, List<string> queries)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, queries);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" or "query" or "definition" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        queries.Add(property.Value.GetString()!);
                    }

                    Collect(property.Value, queries);
                }
            }
        }
    }

    // Herald's series and labels: the conventions' messaging_* and error_type, and herald_*.
    [GeneratedRegex(@"\b(?:messaging|herald|error)_[a-z0-9_]+\b")]
    private static partial Regex HeraldName();

    [GeneratedRegex("_(?:bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"^\s*- alert: \w+$", RegexOptions.Multiline)]
    private static partial Regex AlertName();

    [GeneratedRegex(@"^\s+expr: ", RegexOptions.Multiline)]
    private static partial Regex Expression();
}
