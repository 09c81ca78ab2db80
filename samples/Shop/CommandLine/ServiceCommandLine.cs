using Shop.Brokers;
using Shop.Services;

namespace Shop.CommandLine;

/// <summary>Checks the options of a service run as a process of its own (<c>--service</c>, <c>--run</c>) and of
/// <c>--combine</c>.</summary>
internal static class ServiceCommandLine
{
    /// <summary>The longest <c>--run</c>: far more than a start time to the millisecond (18 characters) needs.</summary>
    public const int MaxRunIdLength = 40;

    // Letters and digits only: an order id is "order-<run>-<n>", and a '-' in a run id would let run "a" claim run "a-b"'s orders.
    public static bool IsValidRunId(string? runId) => runId is { Length: > 0 and <= MaxRunIdLength } && runId.All(char.IsAsciiLetterOrDigit);

    /// <returns>An error message when <c>--combine</c> comes with an option other than <c>--json</c>, else null.</returns>
    public static string? CheckCombine(ShopOptions options, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(given);
        return options.Combine is not null && given.Any(name => name is not ("--combine" or "--json"))
            ? "--combine takes only --json: it adds up the summaries of runs that are over"
            : null;
    }

    /// <returns>An error message when <c>--service</c> or <c>--run</c> does not fit the other options, else null.</returns>
    public static string? Check(ShopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Service is not { } service)
        {
            return options.RunId is null ? null : "--run applies to --service; the one-process Shop makes up its own run id";
        }

        if (!options.UsesBroker)
        {
            return SharedTransportNeeded(options.Transport);
        }

        if (options.RunsUntilStopped)
        {
            // Each service ends once it has done its part of the run, which an endless run never reaches.
            return "--service needs a finite run: give the four services the same --orders N, N from 1";
        }

        if (options.Duplicates > 0 || options.Poison > 0)
        {
            return "--duplicates and --poison are injected by the one-process Shop only; run it without --service for them";
        }

        return options.RunId is null && service != ShopService.Orders
            ? $"--service {service.Name()} needs --run ID: give the four services the same --run (the orders service prints the one it makes up when given none)"
            : null;
    }

    /// <summary>Returns why <c>--service</c> cannot run on <paramref name="transport"/>, naming the brokers it can run on.</summary>
    public static string SharedTransportNeeded(ShopTransport transport)
    {
        var why = transport == ShopTransport.Embedded
            ? "processes cannot share the embedded log (one process holds its data directory)"
            : "processes cannot share the in-memory transport";
        var brokers = string.Join(" or ", ShopBroker.All.Select(b => $"--transport {b.Name} (start it with {b.StartCommand})"));
        return $"--service runs each service in a process of its own, and {why}: run the services on a broker they all reach, {brokers}";
    }
}
