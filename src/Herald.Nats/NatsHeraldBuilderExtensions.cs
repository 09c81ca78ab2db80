using Herald.Hosting;

namespace Herald.Nats;

/// <summary>Registers <see cref="NatsTransport"/> with Herald.</summary>
public static class NatsHeraldBuilderExtensions
{
    /// <summary>Uses NATS JetStream as the transport (see <see cref="NatsTransport"/> for what it guarantees).</summary>
    public static HeraldBuilder UseNats(this HeraldBuilder builder, Action<NatsTransportOptions>? configure = null) =>
        (builder ?? throw new ArgumentNullException(nameof(builder))).UseTransport<NatsTransport, NatsTransportOptions>(configure, o => o.Validated());
}
