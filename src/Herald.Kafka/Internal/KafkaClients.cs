using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Herald.Kafka.Internal;

/// <summary>Builds the librdkafka clients of one transport from its options: Herald's settings first, the user's last.</summary>
internal sealed class KafkaClients(KafkaTransportOptions options, ILogger logger, TimeProvider timeProvider)
{
    private readonly KafkaLogThrottle _throttle = new(timeProvider);

    public KafkaTransportOptions Options => options;

    /// <summary>The transport's producer: idempotent, acks from every in-sync replica.</summary>
    public IProducer<byte[]?, byte[]?> BuildProducer()
    {
        var config = new ProducerConfig(Common())
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            // Herald chooses every record's partition itself (murmur2, as Kafka's Java producer); librdkafka's own
            // default (CRC32) is never asked, but set alike for anyone reading the configuration.
            Partitioner = Partitioner.Murmur2Random,
            LingerMs = 1,
        };
        Apply(config);
        return new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler(Log).SetErrorHandler(Error).Build();
    }

    /// <summary>A consumer of group <paramref name="group"/> that stores offsets only when Herald says an event is completed.</summary>
    public ConsumerBuilder<byte[]?, byte[]?> GroupConsumer(string group)
    {
        var config = new ConsumerConfig(Common())
        {
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = (int)options.CommitInterval.TotalMilliseconds,
            SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, options.SessionTimeout.TotalMilliseconds / 10),
            PartitionAssignmentStrategy = options.AssignmentStrategy,
            // Herald's handlers run on other threads; the consuming thread never waits for them, so this is never reached.
            MaxPollIntervalMs = 300_000,
            AllowAutoCreateTopics = false,
        };
        Apply(config);
        return new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler(Log).SetErrorHandler(Error);
    }

    /// <summary>A consumer that is never a group member: it reads assigned partitions and answers metadata and offsets.</summary>
    public IConsumer<byte[]?, byte[]?> BuildReader(string purpose)
    {
        var config = new ConsumerConfig(Common())
        {
            // Required by the client, never joined: the reader assigns partitions itself and commits nothing.
            GroupId = "__herald." + purpose,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            // A catch-up waits for each fetch: short long-polls end it soon after the last record.
            FetchWaitMaxMs = 50,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
        };
        Apply(config);
        return new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler(Log).SetErrorHandler(Error).Build();
    }

    private ClientConfig Common()
    {
        var config = new ClientConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            SaslUsername = options.SaslUsername,
            SaslPassword = options.SaslPassword,
            SslCaLocation = options.SslCaLocation,
        };
        if (options.SecurityProtocol is { } protocol)
        {
            config.SecurityProtocol = protocol;
        }

        if (options.SaslMechanism is { } mechanism)
        {
            config.SaslMechanism = mechanism;
        }

        return config;
    }

    private void Apply(ClientConfig config)
    {
        foreach (var (key, value) in options.Settings)
        {
            config.Set(key, value);
        }
    }

    private void Log<TClient>(TClient client, LogMessage message)
    {
        // librdkafka's syslog levels: 0-3 errors, 4 warning, 5-6 notice and info, 7 debug.
        var level = message.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (!logger.IsEnabled(level) || !_throttle.ShouldLog(message.Name, message.Facility, message.Message, out var suppressed))
        {
            return;
        }

        if (suppressed > 0)
        {
            KafkaLog.ClientRepeated(logger, level, message.Name, message.Facility, message.Message, suppressed);
        }
        else
        {
            KafkaLog.Client(logger, level, message.Name, message.Facility, message.Message);
        }
    }

    private void Error<TClient>(TClient client, Error error)
    {
        // A fatal error is always told; the others (all brokers down, a timed-out request) repeat as the client retries.
        if (error.IsFatal)
        {
            KafkaLog.ClientError(logger, LogLevel.Critical, error.Code, error.Reason, fatal: true);
        }
        else if (_throttle.ShouldLog(client is IClient named ? named.Name : "", "ERROR", error.Reason, out var suppressed))
        {
            if (suppressed > 0)
            {
                KafkaLog.ClientErrorRepeated(logger, LogLevel.Warning, error.Code, error.Reason, suppressed);
            }
            else
            {
                KafkaLog.ClientError(logger, LogLevel.Warning, error.Code, error.Reason, fatal: false);
            }
        }
    }
}
