using Herald.Hosting;
using Herald.Kafka.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herald.Kafka;

/// <summary>Registers <see cref="KafkaTransport"/> with Herald.</summary>
public static class KafkaHeraldBuilderExtensions
{
    /// <summary>Uses Kafka (or a broker that speaks its protocol, such as <c>herald serve</c>) as the transport (see
    /// <see cref="KafkaTransport"/> for what it guarantees). The producer starts with the host.</summary>
    /// <exception cref="ArgumentException">An option is out of range: checked here, at configuration.</exception>
    public static HeraldBuilder UseKafka(this HeraldBuilder builder, Action<KafkaTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseTransport<KafkaTransport, KafkaTransportOptions>(configure, o => o.Validated());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KafkaProducerStart>());
        return builder;
    }
}
