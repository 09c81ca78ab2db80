using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Herald.Log;
using Herald.Server.Internal.Groups;
using Herald.Server.Protocol;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Internal;

/// <summary>Reads a request frame's header, checks the API and version, and answers with the response the API's handler
/// builds: the broker's whole dispatch.</summary>
/// <remarks>An unknown API key, a version outside the ones advertised (except ApiVersions, which answers with
/// UNSUPPORTED_VERSION and the versions served, as Kafka does) or a body that does not parse closes the connection, as
/// Kafka does: a client that sent it cannot read what follows anyway.</remarks>
internal sealed partial class KafkaRequestHandler(EmbeddedLog log, HeraldServerOptions options, GroupCoordinator groups, Func<string> advertised, ServerMetrics metrics, ILogger logger) : IRequestHandler
{
    /// <summary>The APIs served, with the versions advertised: only those with a handler here.</summary>
    private static readonly Dictionary<ApiKey, (short Min, short Max)> Served = new[]
    {
        ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.CreateTopics,
        ApiKey.DeleteTopics, ApiKey.InitProducerId, ApiKey.DescribeConfigs, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate, ApiKey.FindCoordinator,
        ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch,
        ApiKey.ListGroups, ApiKey.DescribeGroups, ApiKey.DeleteGroups,
    }.ToDictionary(k => k, k => ApiKeys.TryGetVersions(k, out var v) ? (v.LowestVersion, v.HighestVersion) : throw new InvalidOperationException($"{k} has no codec"));

    private readonly PartitionAppender _appender = new();
    private readonly Lock _topics = new();

    // The topic options the server was started with: CreateTopics replaces a topic's entry, and deleting the topic
    // brings back this one (or none).
    private readonly Dictionary<string, TopicOptions> _configuredTopics = new(options.Log.Topics, StringComparer.Ordinal);
    private readonly TimeProvider _time = options.Log.TimeProvider;
    private string? _clusterId;
    private long _lastProducerId;

    public async ValueTask HandleAsync(ReadOnlyMemory<byte> frame, ConnectionState connection, KafkaWriter response, CancellationToken cancellationToken)
    {
        if (connection.Sasl is { ExpectsBareToken: true } sasl)
        {
            // After a SaslHandshake v0 the client sends SASL tokens as bare frames and reads bare frames back.
            var answer = sasl.Authenticate(new SaslAuthenticateRequest { AuthBytes = frame }, out var failed);
            if (failed)
            {
                ServerLog.AuthenticationFailed(logger, connection.Remote);
                throw new RequestRefusedException("SASL authentication failed");
            }

            var start = response.BeginSizePrefix();
            response.Write(answer.AuthBytes.Span);
            response.EndSizePrefix(start);
            return;
        }

        var key = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.Span[2..]);
        if (!Served.TryGetValue(key, out var range))
        {
            throw new RequestRefusedException($"API key {(short)key} is not served (see ApiVersions for those that are)");
        }

        if (version < range.Min || version > range.Max)
        {
            if (key != ApiKey.ApiVersions)
            {
                throw new RequestRefusedException($"{key} v{version} is not served (versions {range.Min} to {range.Max} are)");
            }

            // A client newer than the server: it reads a v0 answer with the versions served, then asks again.
            var correlation = BinaryPrimitives.ReadInt32BigEndian(frame.Span[4..]);
            KafkaFrames.WriteResponse(response, ApiKey.ApiVersions, 0, correlation, new ApiVersionsResponse { ErrorCode = (short)ErrorCode.UnsupportedVersion, ApiKeys = ApiVersionList() });
            return;
        }

        var reader = new KafkaReader(frame);
        RequestHeader header;
        try
        {
            header = KafkaFrames.ReadRequestHeader(ref reader);
        }
        catch (KafkaProtocolException e)
        {
            throw new RequestRefusedException($"{key} v{version}: the request header does not parse: {e.Message}", e);
        }

        connection.ClientId ??= header.ClientId;
        if (connection.Sasl is { IsAuthenticated: false } && key is not (ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate))
        {
            throw new RequestRefusedException($"{key} before authenticating: this server requires SASL (SaslHandshake, then SaslAuthenticate) first");
        }

        var started = ServerMetrics.Now();
        try
        {
            var body = await HandleAsync(key, version, reader, connection, cancellationToken).ConfigureAwait(false);
            metrics.Served(key.ToString(), System.Diagnostics.Stopwatch.GetElapsedTime(started));
            if (body is not null)
            {
                KafkaFrames.WriteResponse(response, key, version, header.CorrelationId, body);
            }
        }
        catch (KafkaProtocolException e)
        {
            throw new RequestRefusedException($"{key} v{version} (correlation id {header.CorrelationId}) does not parse: {e.Message}", e);
        }
    }

    private static List<ApiVersionsResponse.ApiVersion> ApiVersionList() =>
        [.. Served.OrderBy(s => s.Key).Select(s => new ApiVersionsResponse.ApiVersion { ApiKey = (short)s.Key, MinVersion = s.Value.Min, MaxVersion = s.Value.Max })];

    private async ValueTask<IKafkaResponse?> HandleAsync(ApiKey key, short version, KafkaReader reader, ConnectionState connection, CancellationToken cancellationToken)
    {
        switch (key)
        {
            case ApiKey.ApiVersions:
                _ = ApiVersionsRequest.Read(ref reader, version);
                return new ApiVersionsResponse { ApiKeys = ApiVersionList() };
            case ApiKey.Metadata:
                return Metadata(MetadataRequest.Read(ref reader, version), version, connection);
            case ApiKey.Produce:
                return await ProduceAsync(ProduceRequest.Read(ref reader, version), connection, cancellationToken).ConfigureAwait(false);
            case ApiKey.Fetch:
                return await FetchAsync(FetchRequest.Read(ref reader, version), connection, cancellationToken).ConfigureAwait(false);
            case ApiKey.ListOffsets:
                return ListOffsets(ListOffsetsRequest.Read(ref reader, version), version);
            case ApiKey.CreateTopics:
                return CreateTopics(CreateTopicsRequest.Read(ref reader, version), connection);
            case ApiKey.DeleteTopics:
                return await DeleteTopicsAsync(DeleteTopicsRequest.Read(ref reader, version), version, connection, cancellationToken).ConfigureAwait(false);
            case ApiKey.InitProducerId:
                return InitProducerId(InitProducerIdRequest.Read(ref reader, version));
            case ApiKey.DescribeConfigs:
                return DescribeConfigs(DescribeConfigsRequest.Read(ref reader, version));
            case ApiKey.SaslHandshake:
                var handshake = SaslHandshakeRequest.Read(ref reader, version);
                return connection.Sasl?.Handshake(handshake, version) ?? new SaslHandshakeResponse { ErrorCode = (short)ErrorCode.UnsupportedSaslMechanism };
            case ApiKey.SaslAuthenticate:
                var authenticate = SaslAuthenticateRequest.Read(ref reader, version);
                if (connection.Sasl is null)
                {
                    connection.CloseAfterResponse = true;
                    return new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.IllegalSaslState, ErrorMessage = "this server does not use SASL" };
                }

                var answer = connection.Sasl.Authenticate(authenticate, out var close);
                connection.CloseAfterResponse = close;
                if (close)
                {
                    ServerLog.AuthenticationFailed(logger, connection.Remote);
                }

                return answer;
            case ApiKey.FindCoordinator:
                return FindCoordinator(FindCoordinatorRequest.Read(ref reader, version), version);
            case ApiKey.JoinGroup:
                return await JoinGroupAsync(JoinGroupRequest.Read(ref reader, version), version, connection, cancellationToken).ConfigureAwait(false);
            case ApiKey.SyncGroup:
                return await SyncGroupAsync(SyncGroupRequest.Read(ref reader, version), cancellationToken).ConfigureAwait(false);
            case ApiKey.Heartbeat:
                return new HeartbeatResponse { ErrorCode = (short)groups.Heartbeat(HeartbeatRequest.Read(ref reader, version)) };
            case ApiKey.LeaveGroup:
                return LeaveGroup(LeaveGroupRequest.Read(ref reader, version), version);
            case ApiKey.OffsetCommit:
                return await OffsetCommitAsync(OffsetCommitRequest.Read(ref reader, version), cancellationToken).ConfigureAwait(false);
            case ApiKey.OffsetFetch:
                return OffsetFetch(OffsetFetchRequest.Read(ref reader, version), version);
            case ApiKey.ListGroups:
                return ListGroups(ListGroupsRequest.Read(ref reader, version));
            case ApiKey.DescribeGroups:
                return DescribeGroups(DescribeGroupsRequest.Read(ref reader, version));
            case ApiKey.DeleteGroups:
                return await DeleteGroupsAsync(DeleteGroupsRequest.Read(ref reader, version), connection).ConfigureAwait(false);
            default:
                throw new RequestRefusedException($"API key {(short)key} is not served");
        }
    }

    private (string Host, int Port) Advertised()
    {
        var address = advertised();
        return HeraldServerOptions.TryParseHostPort(address, out var host, out var port) ? (host, port) : throw new InvalidOperationException($"The advertised address '{address}' is not host:port.");
    }

    private MetadataResponse Metadata(MetadataRequest request, short version, ConnectionState connection)
    {
        var (host, port) = Advertised();
        var response = new MetadataResponse
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = 0, Host = host, Port = port }],
            ClusterId = ClusterId,
            ControllerId = 0,
        };
        if (request.Topics is null)
        {
            foreach (var topic in log.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                response.Topics.Add(TopicMetadata(topic.Name, topic));
            }

            return response;
        }

        // Before v4 a client could not say, and Kafka created the topic.
        var create = options.AutoCreateTopics && (version < 4 || request.AllowAutoTopicCreation);
        foreach (var requested in request.Topics)
        {
            var name = requested.Name ?? "";
            if (log.TryGetTopic(name, out var topic) || (create && TopicNames.Problem(name) is null && TryCreate(name, null, connection, out topic, out _)))
            {
                response.Topics.Add(TopicMetadata(name, topic));
            }
            else if (TopicNames.Problem(name) is not null)
            {
                response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = (short)ErrorCode.InvalidTopicException });
            }
            else
            {
                response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition });
            }
        }

        return response;
    }

    private static MetadataResponse.MetadataResponseTopic TopicMetadata(string name, LogTopic topic) => new()
    {
        Name = name,
        IsInternal = name.StartsWith("__", StringComparison.Ordinal),
        Partitions = [.. topic.Partitions.Select(p => new MetadataResponse.MetadataResponsePartition
        {
            PartitionIndex = p.Id,
            ErrorCode = (short)(p.Damage is null && p.Failure is null ? ErrorCode.None : ErrorCode.KafkaStorageError),
            LeaderId = 0,
            LeaderEpoch = 0,
            ReplicaNodes = [0],
            IsrNodes = [0],
        })],
    };

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions (the log's default when null); false while
    /// a topic of that name is being deleted.</summary>
    private bool TryCreate(string name, int? partitions, ConnectionState connection, [NotNullWhen(true)] out LogTopic? topic, out bool existed)
    {
        lock (_topics)
        {
            existed = false;
            if (log.TryGetTopic(name, out topic))
            {
                existed = true;
                return true;
            }

            var topicOptions = log.Options.For(name).Clone();
            topicOptions.Partitions = partitions ?? topicOptions.Partitions;
            log.Options.Topics[name] = topicOptions;
            try
            {
                topic = log.GetOrCreateTopic(name);
            }
            catch (TopicDeletedException)
            {
                RestoreOptions(name);
                return false;
            }

            ServerLog.TopicCreated(logger, name, topic.Partitions.Count, connection.Remote);
            return true;
        }
    }

    // Under _topics.
    private void RestoreOptions(string name)
    {
        if (_configuredTopics.TryGetValue(name, out var configured))
        {
            log.Options.Topics[name] = configured;
        }
        else
        {
            log.Options.Topics.Remove(name);
        }
    }

    /// <summary>A cluster id that stays the same for a data directory (Kafka's are 22 characters of base64).</summary>
    private string ClusterId => _clusterId ??= Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(log.Directory)), 0, 16)
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
