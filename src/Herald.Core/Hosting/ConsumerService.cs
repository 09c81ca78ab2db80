using Herald.Consuming;
using Microsoft.Extensions.Hosting;

namespace Herald.Hosting;

/// <summary>Starts Herald's consumers with the host and drains them when it stops.</summary>
internal sealed class ConsumerService(ConsumerRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
