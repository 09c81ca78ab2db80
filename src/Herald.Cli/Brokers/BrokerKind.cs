namespace Herald.Cli.Brokers;

/// <summary>Where a <c>dlq</c> command finds the dead letters: <c>--transport</c>.</summary>
internal enum BrokerKind
{
    /// <summary>The embedded log in <c>--data</c>; zero, the value of <c>--transport</c> when it is not given.</summary>
    Embedded = 0,

    /// <summary>RabbitMQ at <c>--connection</c>: the dead-letter stream <c>&lt;prefix&gt;.__herald.dead-letters</c>.</summary>
    RabbitMQ,

    /// <summary>NATS JetStream at <c>--connection</c>: the key-value bucket <c>&lt;prefix&gt;-dead-letters</c>.</summary>
    Nats,

    /// <summary>Kafka (or <c>herald serve</c>) at <c>--connection</c>, bootstrap servers: the topic <c>__herald.dead-letters</c>.</summary>
    Kafka,
}
