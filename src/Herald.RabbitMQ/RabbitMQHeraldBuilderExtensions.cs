using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.RabbitMQ;

/// <summary>Registers the RabbitMQ transport on a <see cref="HeraldBuilder"/>.</summary>
public static class RabbitMQHeraldBuilderExtensions
{
    /// <summary>Uses RabbitMQ as the transport: quorum queues, publisher confirms, CloudEvents binary mode.</summary>
    /// <remarks>The transport connects on first use and reconnects by itself; see <see cref="RabbitMQTransport"/>.</remarks>
    public static HeraldBuilder UseRabbitMQ(this HeraldBuilder builder, Action<RabbitMQTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new RabbitMQTransportOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.UseTransport(sp => new RabbitMQTransport(options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RabbitMQTransport>>(), sp.GetService<HeraldOptions>()?.Limits));
    }
}
