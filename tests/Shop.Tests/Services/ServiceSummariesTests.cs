using System.Text.Json;
using Shop.Reporting;
using Shop.Services;

namespace Shop.Tests.Services;

/// <summary>Adding up the four services' summaries into the one-process Shop's (<c>--combine</c>).</summary>
public sealed class ServiceSummariesTests : IDisposable
{
    private static readonly ShopSummary Empty = new(
        RunOutcome.Completed, "RabbitMQTransport", "/data/orders", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 0, [], 0, "orders", "R1");

    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Combine_FourServices_AddsUpWhatEachCounted()
    {
        var summary = ServiceSummaries.Combine("f", FourServices());

        Assert.Equal(
            (RunOutcome.Completed, 1000L, 893L, 107L, 969L, 31L, 1000L, 893L, 51L, 3L),
            (summary.Status, summary.Orders, summary.PaymentsCompleted, summary.PaymentsFailed, summary.InventoryReserved, summary.InventoryFailed,
             summary.NotificationsSent, summary.PaymentsCharged, summary.Retries, summary.DuplicatesSkipped));
        Assert.Equal(("/data", "R1", null, 4.0, 250.0), (summary.DataDirectory, summary.Run, summary.Service, summary.ElapsedSeconds, summary.OrdersPerSecond));
    }

    [Fact]
    public void Combine_OneServiceTimedOut_TimedOut()
    {
        var summaries = FourServices();
        summaries[2] = summaries[2] with { Status = RunOutcome.TimedOut };

        Assert.Equal(RunOutcome.TimedOut, ServiceSummaries.Combine("f", summaries).Status);
    }

    [Fact]
    public void Combine_AServiceMissing_FailsNamingWhatIsThere()
    {
        var exception = Assert.Throws<FormatException>(() => ServiceSummaries.Combine("f", FourServices()[..3]));

        Assert.Equal("'f' holds the summaries of 3 services (inventory, orders, payment); it needs one of each of inventory, notification, orders, payment", exception.Message);
    }

    [Fact]
    public void Combine_TwoRuns_Fails()
    {
        var summaries = FourServices();
        summaries[3] = summaries[3] with { Run = "R2" };

        Assert.Contains("must all be of one run", Assert.Throws<FormatException>(() => ServiceSummaries.Combine("f", summaries)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CombineAFileOfSummaries_WritesTheSumAsJson()
    {
        var file = Path.Combine(Path.GetDirectoryName(_data.DataDirectory)!, "summaries.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllLinesAsync(file, FourServices().Select(s => JsonSerializer.Serialize(s, SummaryWriter.JsonOptions)), TestContext.Current.CancellationToken);
        using var output = new StringWriter();

        var code = await ShopApplication.RunAsync(["--combine", file, "--json"], output, TextWriter.Null);

        Assert.Equal(ShopApplication.Done, code);
        Assert.StartsWith("Herald Shop, four services of run R1, on RabbitMQTransport: every order handled", output.ToString(), StringComparison.Ordinal);
        var json = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal((893, 107, 1000), (json.GetProperty("paymentsCompleted").GetInt32(), json.GetProperty("paymentsFailed").GetInt32(), json.GetProperty("notificationsSent").GetInt32()));
        Assert.False(json.TryGetProperty("service", out _));
    }

    [Fact]
    public async Task RunAsync_CombineAFileThatIsNotThere_FailsWithOneLine()
    {
        using var diagnostics = new StringWriter();

        var code = await ShopApplication.RunAsync(["--combine", Path.Combine(_data.DataDirectory, "none.jsonl")], TextWriter.Null, diagnostics);

        Assert.Equal(ShopApplication.BadArguments, code);
        Assert.StartsWith("Shop: cannot combine the summaries: ", Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    private static ShopSummary[] FourServices() =>
    [
        Empty with { Orders = 1000, ElapsedSeconds = 3.0 },
        Empty with { Service = "payment", DataDirectory = "/data/payment", PaymentsCompleted = 893, PaymentsFailed = 107, PaymentsCharged = 893, HandlerFailures = 51, Retries = 51, DuplicatesSkipped = 3, ElapsedSeconds = 4.0 },
        Empty with { Service = "inventory", DataDirectory = "/data/inventory", InventoryReserved = 969, InventoryFailed = 31 },
        Empty with { Service = "notification", DataDirectory = "/data/notification", NotificationsSent = 1000 },
    ];
}
