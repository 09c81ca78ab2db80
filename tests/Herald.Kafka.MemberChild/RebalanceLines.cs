using Microsoft.Extensions.Logging;

namespace Herald.Kafka.MemberChild;

/// <summary>Prints Herald.Kafka's rebalance log entries on standard output as <c># CHANGE TOPIC: P,P,…</c> (CHANGE is
/// <c>assigned</c>, <c>revoked</c>, <c>lost</c>, <c>given up</c> or <c>released after a failure</c>, the partitions those
/// the change moved; <c>draining</c> when a revocation starts finishing what was handed out) and every warning or error on
/// standard error.</summary>
/// <remarks><para>The group has a second Kafka consumer in each process, on the group's redrive topic
/// (<c>__herald.redrive.GROUP.TOPIC</c>), in the same Kafka group: its lines name that topic.</para>
/// <para>Entries come from librdkafka's rebalance callbacks on the consumer's thread, in order; <see cref="Console.Out"/>
/// is synchronized, so a line is never torn.</para></remarks>
internal sealed class RebalanceLines : ILoggerProvider
{
    // KafkaLog.Rebalanced: "Group {Group} on {Topic}: partitions {Partitions} {Change}."; KafkaLog.Draining has no Change.
    private const int RebalancedEventId = 8;
    private const int DrainingEventId = 10;
    private const string TransportCategory = "Herald.Kafka.KafkaTransport";

    public ILogger CreateLogger(string categoryName) => new Lines(categoryName == TransportCategory);

    public void Dispose()
    {
    }

    private sealed class Lines(bool transport) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // The transport's Debug level for KafkaLog.Draining; librdkafka's own debug lines are not asked for.
        public bool IsEnabled(LogLevel logLevel) => logLevel >= (transport ? LogLevel.Debug : LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (transport && (eventId.Id is RebalancedEventId or DrainingEventId) && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                var fields = values.ToDictionary(v => v.Key, v => v.Value?.ToString());
                Console.Out.WriteLine($"# {fields.GetValueOrDefault("Change", "draining")} {fields["Topic"]}: {fields["Partitions"]}");
            }
            else if (logLevel >= LogLevel.Warning)
            {
                Console.Error.WriteLine($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
