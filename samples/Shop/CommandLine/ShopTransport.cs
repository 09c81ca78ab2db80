namespace Shop.CommandLine;

/// <summary>The transport the shop's services talk over.</summary>
internal enum ShopTransport
{
    /// <summary>Herald's embedded durable log: events and consumer offsets outlive the run, in the data directory.</summary>
    Embedded,

    /// <summary>Herald's in-memory transport: nothing outlives the run.</summary>
    InMemory,

    /// <summary>RabbitMQ: quorum queues named after <see cref="ShopOptions.Prefix"/>, which outlive the run on the broker.</summary>
    RabbitMQ,

    /// <summary>NATS JetStream: streams and consumers named after <see cref="ShopOptions.Prefix"/>, which outlive the run on the server.</summary>
    Nats,

    /// <summary>Kafka (or <c>herald serve</c>): topics named as the shop's events, consumer groups as its services.</summary>
    Kafka,
}
