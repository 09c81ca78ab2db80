using System.Globalization;
using System.Text.Json;
using Shop.Reporting;

namespace Shop.Services;

/// <summary>Adds up the summaries the four services of a run printed (<c>--combine</c>) into the one the one-process shop
/// prints: each counter is counted by one service only, and 0 in the others.</summary>
internal static class ServiceSummaries
{
    /// <summary>Reads the JSON lines of <paramref name="path"/>, one per service, and returns their sum.</summary>
    /// <exception cref="FormatException">The file does not hold one summary of each service, all of one run.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ShopSummary Read(string path)
    {
        var summaries = new List<ShopSummary>();
        foreach (var line in File.ReadLines(path).Where(l => l.TrimStart().StartsWith('{')))
        {
            try
            {
                summaries.Add(JsonSerializer.Deserialize<ShopSummary>(line, SummaryWriter.JsonOptions)
                    ?? throw new FormatException($"'{path}' holds a line that is not a summary: {line}"));
            }
            catch (JsonException e)
            {
                throw new FormatException($"'{path}' holds a line that is not a service's summary ({e.Message})", e);
            }
        }

        return Combine(path, summaries);
    }

    /// <summary>Returns the sum of one summary of each service of one run.</summary>
    /// <exception cref="FormatException">Not one summary of each service, or not all of one run.</exception>
    public static ShopSummary Combine(string source, IReadOnlyList<ShopSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var names = summaries.Select(s => s.Service ?? "(none)").Order(StringComparer.Ordinal).ToList();
        var expected = ShopServiceNames.All.Select(s => s.Name()).Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(expected, StringComparer.Ordinal))
        {
            throw new FormatException($"'{source}' holds the summaries of {Describe(names)}; it needs one of each of {string.Join(", ", expected)}");
        }

        if (summaries.Select(s => s.Run).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new FormatException($"'{source}' holds the summaries of runs {string.Join(", ", summaries.Select(s => s.Run).Distinct(StringComparer.Ordinal))}; they must all be of one run");
        }

        long Sum(Func<ShopSummary, long> counter) => summaries.Sum(counter);
        var orders = Sum(s => s.Orders);
        var elapsed = summaries.Max(s => s.ElapsedSeconds);
        var first = summaries[0];
        return new ShopSummary(
            summaries.FirstOrDefault(s => s.Status != RunOutcome.Completed)?.Status ?? RunOutcome.Completed,
            first.Transport,
            first.DataDirectory is { } directory ? Path.GetDirectoryName(directory) : null,
            orders,
            Sum(s => s.PaymentsCompleted),
            Sum(s => s.PaymentsFailed),
            Sum(s => s.InventoryReserved),
            Sum(s => s.InventoryFailed),
            Sum(s => s.NotificationsSent),
            Sum(s => s.EarlierRunEvents),
            Sum(s => s.HandlerFailures),
            Sum(s => s.Retries),
            Sum(s => s.DuplicatesInjected),
            Sum(s => s.DuplicatesSkipped),
            Sum(s => s.PaymentsCharged),
            Sum(s => s.DeadLettered),
            elapsed,
            elapsed > 0 ? Math.Round(orders / elapsed, 1) : 0,
            [],
            0,
            Service: null,
            Run: first.Run);
    }

    private static string Describe(List<string> names) =>
        names.Count == 0 ? "no service" : string.Create(CultureInfo.InvariantCulture, $"{names.Count} services ({string.Join(", ", names)})");
}
