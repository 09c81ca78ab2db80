using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Nats;

/// <summary>Registers <see cref="NatsTransport"/> with Herald.</summary>
public static class NatsHeraldBuilderExtensions
{
    /// <summary>Uses NATS JetStream as the transport (see <see cref="NatsTransport"/> for what it guarantees).</summary>
    public static HeraldBuilder UseNats(this HeraldBuilder builder, Action<NatsTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new NatsTransportOptions();
        configure?.Invoke(options);
        options.Validated();
        return builder.UseTransport(sp => new NatsTransport(options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<NatsTransport>>(), sp.GetService<HeraldOptions>()?.Limits));
    }
}
