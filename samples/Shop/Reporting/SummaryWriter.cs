using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shop.Reporting;

internal static class SummaryWriter
{
    // Wide enough for the longest label, "Handler failures (simulated)".
    private const int LabelWidth = 30;

    /// <summary>The note under the table: which counters count the failures the shop makes on purpose.</summary>
    public const string SimulatedNote =
        "(simulated): failures the Shop makes on purpose: about one card in ten is declined, one product sells out, and the card issuer times out once on about one order in twenty (retried); --poison events fail too, and are dead-lettered.";

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes the summary table and, when <paramref name="json"/> is set, the summary as the last line.</summary>
    public static void Write(TextWriter output, ShopSummary summary, bool json)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summary);
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(culture, $"{Title(summary)}: {Describe(summary.Status)}"));
        if (summary.DataDirectory is { } directory)
        {
            output.WriteLine($"Data directory: {directory}");
        }

        output.WriteLine();
        // One service's summary shows its own counters (and those every service has); the others are not its to count.
        void Row(string label, long value, string? service = null)
        {
            if (summary.Service is null || service is null || service == summary.Service)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-LabelWidth}{value,10:N0}"));
            }
        }

        Row("Orders published", summary.Orders, "orders");
        Row("Payments completed", summary.PaymentsCompleted, "payment");
        Row("Payments declined (simulated)", summary.PaymentsFailed, "payment");
        Row("Inventory reserved", summary.InventoryReserved, "inventory");
        Row("Out of stock (simulated)", summary.InventoryFailed, "inventory");
        Row("Notifications sent", summary.NotificationsSent, "notification");
        Row("Earlier-run events", summary.EarlierRunEvents);
        Row("Handler failures (simulated)", summary.HandlerFailures);
        Row("Retries", summary.Retries);
        Row("Duplicates injected", summary.DuplicatesInjected, "orders");
        Row("Duplicates skipped", summary.DuplicatesSkipped);
        Row("Payments charged", summary.PaymentsCharged, "payment");
        Row("Dead-lettered", summary.DeadLettered);
        if (summary.DamagedPartitions.Count > 0)
        {
            Row("Events held", summary.EventsHeld);
        }

        output.WriteLine(string.Create(culture, $"  {"Elapsed",-LabelWidth}{summary.ElapsedSeconds,10:0.000} s"));
        output.WriteLine(string.Create(culture, $"  {"Throughput",-LabelWidth}{summary.OrdersPerSecond,10:N1} orders/s"));
        output.WriteLine();
        output.WriteLine(SimulatedNote);
        if (summary.DamagedPartitions.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("The events held wait in the outbox for these damaged partitions. Stop the Shop, repair each, and run it again:");
            foreach (var damaged in summary.DamagedPartitions)
            {
                output.WriteLine($"  {damaged.RepairCommand}");
            }
        }

        if (json)
        {
            output.WriteLine();
            output.WriteLine(JsonSerializer.Serialize(summary, JsonOptions));
        }
    }

    private static string Title(ShopSummary summary) => (summary.Service, summary.Run) switch
    {
        ({ } service, { } run) => $"Herald Shop, {service} service of run {run}, on {summary.Transport}",
        (null, { } run) => $"Herald Shop, four services of run {run}, on {summary.Transport}",
        _ => $"Herald Shop on {summary.Transport}",
    };

    private static string Describe(RunOutcome status) => status switch
    {
        RunOutcome.Completed => "every order handled",
        RunOutcome.Stopped => "stopped",
        RunOutcome.TimedOut => "timed out before every order was handled",
        RunOutcome.Interrupted => "interrupted before every order was handled",
        RunOutcome.Degraded => "degraded: damaged partitions kept some events from being handled",
        _ => status.ToString(),
    };
}
