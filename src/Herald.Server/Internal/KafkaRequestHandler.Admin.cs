using System.Globalization;
using Herald.Log;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>CreateTopics, InitProducerId and DescribeConfigs.</summary>
internal sealed partial class KafkaRequestHandler
{
    private const sbyte TopicResource = 2, BrokerResource = 4;

    private CreateTopicsResponse CreateTopics(CreateTopicsRequest request, ConnectionState connection)
    {
        var response = new CreateTopicsResponse();
        foreach (var creatable in request.Topics)
        {
            var result = new CreateTopicsResponse.CreatableTopicResult { Name = creatable.Name, NumPartitions = creatable.NumPartitions, ReplicationFactor = 1 };
            response.Topics.Add(result);
            var refusal = TopicNames.Problem(creatable.Name) is { } problem ? (ErrorCode.InvalidTopicException, problem)
                : creatable.Assignments.Count > 0 ? (ErrorCode.InvalidRequest, "manual replica assignments are not supported: herald serve is a single node")
                : creatable.NumPartitions is 0 or < -1 or > 10_000 ? (ErrorCode.InvalidPartitions, $"{creatable.NumPartitions} partitions: give 1 to 10000, or -1 for the default")
                : creatable.ReplicationFactor is not (-1 or 1) ? (ErrorCode.InvalidReplicationFactor, $"replication factor {creatable.ReplicationFactor}: herald serve is a single node, so 1 (or -1 for the default)")
                : ConfigProblem(creatable) is { } configProblem ? (ErrorCode.InvalidConfig, configProblem)
                : log.TryGetTopic(creatable.Name, out _) ? (ErrorCode.TopicAlreadyExists, $"topic '{creatable.Name}' already exists")
                : ((ErrorCode, string)?)null;
            if (refusal is { } refused)
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)refused.Item1, refused.Item2);
                continue;
            }

            var partitions = creatable.NumPartitions == -1 ? (int?)null : creatable.NumPartitions;
            if (request.ValidateOnly)
            {
                result.NumPartitions = partitions ?? log.Options.For(creatable.Name).Partitions;
                continue;
            }

            if (!TryCreate(creatable.Name, partitions, connection, out var topic, out var existed))
            {
                // Kafka's answer while a topic of the name is being deleted.
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.TopicAlreadyExists, $"topic '{creatable.Name}' is marked for deletion");
                continue;
            }

            result.NumPartitions = topic.Partitions.Count;
            if (existed)
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.TopicAlreadyExists, $"topic '{creatable.Name}' already exists");
            }
        }

        return response;
    }

    // A topic's options are the server's (HeraldServerOptions.Log), not the client's: a config is accepted when it asks
    // for what the topic gets anyway (a Herald state topic asked to be compacted), and refused, naming the value it
    // would get, otherwise.
    private string? ConfigProblem(CreateTopicsRequest.CreatableTopic creatable)
    {
        var options = log.Options.For(creatable.Name);
        foreach (var config in creatable.Configs)
        {
            string? actual = config.Name switch
            {
                "cleanup.policy" => options.CleanupPolicy == CleanupPolicy.Compact ? "compact" : "delete",
                "retention.ms" => options.RetentionTime is { } time ? ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "-1",
                "retention.bytes" => options.RetentionBytes?.ToString(CultureInfo.InvariantCulture) ?? "-1",
                "segment.bytes" => options.SegmentBytes.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            if (actual is null)
            {
                return $"topic config {config.Name} is not supported; the server's options for the topic apply";
            }

            if (!string.Equals(config.Value, actual, StringComparison.Ordinal))
            {
                return $"topic config {config.Name}={config.Value} differs from the server's option for the topic ({actual}); set it in the server's options";
            }
        }

        return null;
    }

    /// <summary>Hands out a producer id no earlier producer of this data directory had (milliseconds since the epoch,
    /// shifted, plus a counter), or bumps the epoch of the one the producer names.</summary>
    private InitProducerIdResponse InitProducerId(InitProducerIdRequest request)
    {
        if (request.TransactionalId is not null)
        {
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed };
        }

        if (request.ProducerId >= 0)
        {
            return request.ProducerEpoch == short.MaxValue
                ? new InitProducerIdResponse { ProducerId = NextProducerId(), ProducerEpoch = 0 }
                : new InitProducerIdResponse { ProducerId = request.ProducerId, ProducerEpoch = (short)(request.ProducerEpoch + 1) };
        }

        return new InitProducerIdResponse { ProducerId = NextProducerId(), ProducerEpoch = 0 };
    }

    private long NextProducerId()
    {
        var candidate = _time.GetUtcNow().ToUnixTimeMilliseconds() << 10;
        while (true)
        {
            var last = Interlocked.Read(ref _lastProducerId);
            var next = Math.Max(candidate, last + 1);
            if (Interlocked.CompareExchange(ref _lastProducerId, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>The configs common tools ask for: a topic's partitions' storage settings, and a few of the broker's.</summary>
    private DescribeConfigsResponse DescribeConfigs(DescribeConfigsRequest request)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            IEnumerable<(string Name, string? Value)> configs;
            if (resource.ResourceType == TopicResource && log.TryGetTopic(resource.ResourceName, out var topic))
            {
                configs = TopicConfigs(topic.Options);
            }
            else if (resource.ResourceType == TopicResource)
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.UnknownTopicOrPartition, $"no topic '{resource.ResourceName}'");
                continue;
            }
            else if (resource.ResourceType == BrokerResource && resource.ResourceName is "0" or "")
            {
                configs = BrokerConfigs();
            }
            else
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest, $"resource type {resource.ResourceType} '{resource.ResourceName}' is not described: topics and broker 0 are");
                continue;
            }

            foreach (var (name, value) in configs)
            {
                if (resource.ConfigurationKeys is null || resource.ConfigurationKeys.Contains(name))
                {
                    result.Configs.Add(new DescribeConfigsResponse.DescribeConfigsResourceResult { Name = name, Value = value, ReadOnly = true, ConfigSource = 5 });
                }
            }
        }

        return response;
    }

    private static IEnumerable<(string, string?)> TopicConfigs(TopicOptions topic)
    {
        yield return ("cleanup.policy", topic.CleanupPolicy == CleanupPolicy.Compact ? "compact" : "delete");
        yield return ("retention.ms", topic.RetentionTime is { } time ? ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "-1");
        yield return ("retention.bytes", (topic.RetentionBytes ?? -1).ToString(CultureInfo.InvariantCulture));
        yield return ("segment.bytes", topic.SegmentBytes.ToString(CultureInfo.InvariantCulture));
        yield return ("segment.ms", ((long)topic.SegmentRollTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        yield return ("max.message.bytes", topic.MaxBatchBytes.ToString(CultureInfo.InvariantCulture));
        yield return ("message.timestamp.type", "CreateTime");
        yield return ("min.insync.replicas", "1");
        yield return ("compression.type", "producer");
    }

    private IEnumerable<(string, string?)> BrokerConfigs()
    {
        yield return ("broker.id", "0");
        yield return ("num.partitions", log.Options.DefaultTopic.Partitions.ToString(CultureInfo.InvariantCulture));
        yield return ("auto.create.topics.enable", options.AutoCreateTopics ? "true" : "false");
        yield return ("socket.request.max.bytes", options.MaxRequestSize.ToString(CultureInfo.InvariantCulture));
        yield return ("default.replication.factor", "1");
        yield return ("log.dirs", log.Directory);
    }
}
