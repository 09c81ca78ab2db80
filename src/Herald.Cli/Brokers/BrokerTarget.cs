using Herald.Transports;
namespace Herald.Cli.Brokers;

/// <summary>A broker whose dead letters a command works on.</summary>
/// <param name="Kind">RabbitMQ or NATS.</param>
/// <param name="Connection">The broker's URI, as given (it may hold a password: show <see cref="Display"/> instead).</param>
/// <param name="Prefix">The name prefix the application used (see <see cref="BrokerConnection"/> for how it maps).</param>
/// <param name="Partitions">RabbitMQ: the application's <c>RabbitMQTransportOptions.Partitions</c>, which routes redriven events.
/// NATS reads the count from each topic's stream.</param>
internal sealed record BrokerTarget(BrokerKind Kind, string Connection, string Prefix, int Partitions = BrokerTarget.DefaultPartitions)
{
    /// <summary>RabbitMQ's default partition count (<c>RabbitMQTransportOptions.Partitions</c>).</summary>
    public const int DefaultPartitions = 4;

    /// <summary>Gets the broker's product name.</summary>
    public string Name => Kind switch { BrokerKind.Nats => "NATS", BrokerKind.Kafka => "Kafka", _ => "RabbitMQ" };

    /// <summary>Gets the connection string with its credentials hidden, fit for messages, whether or not it is a valid URI.</summary>
    public string Display => ConnectionStrings.Redact(Connection);
}
