using Herald.Transports;

namespace Herald.Conformance.Transports;

/// <summary>Disposes a transport a suite created, whichever way it is disposable: <see cref="ITransport"/> does not say.</summary>
internal static class TransportDisposal
{
    public static async ValueTask DisposeAsync(ITransport? transport)
    {
        switch (transport)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
