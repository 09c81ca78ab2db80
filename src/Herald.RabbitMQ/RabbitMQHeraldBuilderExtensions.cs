using Herald.Hosting;

namespace Herald.RabbitMQ;

/// <summary>Registers the RabbitMQ transport on a <see cref="HeraldBuilder"/>.</summary>
public static class RabbitMQHeraldBuilderExtensions
{
    /// <summary>Uses RabbitMQ as the transport: quorum queues, publisher confirms, CloudEvents binary mode.</summary>
    /// <remarks>The transport connects on first use and reconnects by itself; see <see cref="RabbitMQTransport"/>.</remarks>
    public static HeraldBuilder UseRabbitMQ(this HeraldBuilder builder, Action<RabbitMQTransportOptions>? configure = null) =>
        (builder ?? throw new ArgumentNullException(nameof(builder))).UseTransport<RabbitMQTransport, RabbitMQTransportOptions>(configure, o => o.Validate());
}
