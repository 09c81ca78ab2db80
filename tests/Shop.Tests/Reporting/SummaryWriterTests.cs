using System.Text.Json;
using Shop.Reporting;
using Shop.Statistics;

namespace Shop.Tests.Reporting;

public sealed class SummaryWriterTests
{
    private static readonly ShopSummary Summary = ShopSummary.Create(
        RunOutcome.Completed,
        "EmbeddedLogTransport",
        "/data",
        new ShopSnapshot(1000, 893, 107, 990, 10, 1000, 51, 0, 51, 0, 0, 0, 0),
        893,
        TimeSpan.FromSeconds(2),
        [],
        0);

    [Theory]
    [InlineData("  Payments declined (simulated)        107")]
    [InlineData("  Out of stock (simulated)              10")]
    [InlineData("  Handler failures (simulated)          51")]
    [InlineData("  Retries                               51")]
    public void Write_Counters_LabelsTheSimulatedFailures(string row)
    {
        using var output = new StringWriter();

        SummaryWriter.Write(output, Summary, json: false);

        Assert.Contains(row, output.ToString().ReplaceLineEndings("\n").Split('\n'));
    }

    [Fact]
    public void Write_Always_ExplainsWhatIsSimulated()
    {
        using var output = new StringWriter();

        SummaryWriter.Write(output, Summary, json: false);

        Assert.Contains(SummaryWriter.SimulatedNote, output.ToString(), StringComparison.Ordinal);
        Assert.Contains("declined", SummaryWriter.SimulatedNote, StringComparison.Ordinal);
        Assert.Contains("times out", SummaryWriter.SimulatedNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Json_KeepsTheCounterKeys()
    {
        using var output = new StringWriter();

        SummaryWriter.Write(output, Summary, json: true);

        var last = output.ToString().TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        Assert.Equal(107, json.RootElement.GetProperty("paymentsFailed").GetInt64());
        Assert.Equal(51, json.RootElement.GetProperty("handlerFailures").GetInt64());
    }
}
