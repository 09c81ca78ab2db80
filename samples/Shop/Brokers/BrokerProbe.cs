using Herald.Events;
using Herald.Transports;
using Shop.CommandLine;
using Shop.Events;
using Shop.Payment;

namespace Shop.Brokers;

/// <summary>Asks the broker one question before the shop starts, so that a broker that is down ends the run with one
/// line instead of hosted services failing with stack traces.</summary>
internal static class BrokerProbe
{
    // Long enough for a broker that is starting or far away, short enough that a wrong address is reported soon.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <exception cref="BrokerUnreachableException">The broker did not answer within the timeout, or refused.</exception>
    public static async Task EnsureReachableAsync(ITransport transport, ShopOptions options, EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(registry);
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            // Any call that needs the connection would do; the lag is harmless and both brokers implement it.
            await transport.GetLagAsync(registry.Get(typeof(OrderCreated)).Topic, PaymentHandler.Group, timeout.Token);
        }
        catch (Exception e)
        {
            var broker = ShopBroker.Find(options.Transport)!;
            var reason = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : FirstLine(e);
            var at = ConnectionStrings.Redact(ShopBroker.Connection(options, Environment.GetEnvironmentVariable));
            throw new BrokerUnreachableException(
                $"cannot reach {broker.Product} at {at} ({reason}); start it ({broker.StartCommand}) or point --connection or {broker.EnvironmentVariable} at a running broker.", e);
        }
    }

    private static string FirstLine(Exception e)
    {
        // The client libraries wrap the socket error; the innermost message says what actually happened.
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var message = inner.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? inner.GetType().Name;
        return $"{e.GetType().Name}: {message}";
    }
}
