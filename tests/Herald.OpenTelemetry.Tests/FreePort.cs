using System.Net;
using System.Net.Sockets;

namespace Herald.OpenTelemetry.Tests;

internal static class FreePort
{
    /// <summary>Returns a loopback port free a moment ago; HttpListener cannot bind port 0 and report the port it got.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
