using Herald.Log;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>Produce, Fetch and ListOffsets: the records themselves.</summary>
internal sealed partial class KafkaRequestHandler
{
    /// <summary>Appends every partition's batches at once (they share the log's group commit) and answers once all are
    /// durable; with acks=0 nothing is answered, as Kafka does.</summary>
    private async Task<ProduceResponse?> ProduceAsync(ProduceRequest request, ConnectionState connection, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        var appends = new List<(string Topic, ProduceResponse.PartitionProduceResponse Answer, Task<PartitionAppender.Result> Append)>();
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            response.Responses.Add(topicResponse);
            log.TryGetTopic(topicData.Name, out var topic);
            foreach (var data in topicData.PartitionData)
            {
                var answer = new ProduceResponse.PartitionProduceResponse { Index = data.Index, BaseOffset = -1 };
                topicResponse.PartitionResponses.Add(answer);
                var refusal = request.Acks is not (-1 or 0 or 1) ? (ErrorCode.InvalidRequiredAcks, $"acks must be -1, 0 or 1, not {request.Acks}")
                    : request.TransactionalId is not null ? (ErrorCode.TransactionalIdAuthorizationFailed, "transactions are not supported by herald serve")
                    : topic is null || data.Index < 0 || data.Index >= topic.Partitions.Count ? (ErrorCode.UnknownTopicOrPartition, $"no partition {data.Index} of topic '{topicData.Name}'")
                    : data.Records is null ? (ErrorCode.CorruptMessage, "the records are null")
                    : ((ErrorCode, string)?)null;
                if (refusal is { } refused)
                {
                    (answer.ErrorCode, answer.ErrorMessage) = ((short)refused.Item1, refused.Item2);
                    metrics.ProduceFailed(refused.Item1.ToString());
                    continue;
                }

                appends.Add((topicData.Name, answer, _appender.AppendAsync(topic!.Partitions[data.Index], data.Records!.Value, cancellationToken)));
            }
        }

        foreach (var (topic, answer, append) in appends)
        {
            var result = await append.ConfigureAwait(false);
            (answer.ErrorCode, answer.BaseOffset, answer.ErrorMessage) = ((short)result.Error, result.BaseOffset, result.Message);
            if (result.Error != ErrorCode.None)
            {
                ServerLog.ProduceRefused(logger, connection.Remote, result.Error.ToString(), result.Message ?? "");
                metrics.ProduceFailed(result.Error.ToString());
            }
            else
            {
                metrics.Produced(topic, result.Records);
            }
        }

        return request.Acks == 0 ? null : response;
    }

    private async Task<FetchResponse> FetchAsync(FetchRequest request, ConnectionState connection, CancellationToken cancellationToken)
    {
        // The previous fetch's response has been written: its buffers are free again.
        connection.BeginFetch();
        ForgetDeletedReaders(connection);
        var fetches = new List<PartitionFetch>();
        foreach (var topicRequest in request.Topics)
        {
            log.TryGetTopic(topicRequest.Topic, out var topic);
            foreach (var partition in topicRequest.Partitions)
            {
                var logPartition = topic is not null && partition.Partition >= 0 && partition.Partition < topic.Partitions.Count ? topic.Partitions[partition.Partition] : null;
                fetches.Add(new PartitionFetch(topicRequest.Topic, partition.Partition, logPartition, partition.FetchOffset, Math.Max(0, partition.PartitionMaxBytes)));
            }
        }

        var maxWait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, 30_000));
        var maxBytes = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
        await PartitionFetch.ReadAsync(fetches, connection, maxWait, request.MinBytes, maxBytes, _time, cancellationToken).ConfigureAwait(false);

        var response = new FetchResponse();
        foreach (var topic in fetches.GroupBy(f => f.Topic, StringComparer.Ordinal))
        {
            response.Responses.Add(new FetchResponse.FetchableTopicResponse
            {
                Topic = topic.Key,
                Partitions = [.. topic.Select(f => new FetchResponse.PartitionData
                {
                    PartitionIndex = f.PartitionIndex,
                    ErrorCode = (short)f.Error,
                    HighWatermark = f.HighWatermark,
                    LastStableOffset = f.HighWatermark,
                    LogStartOffset = f.LogStartOffset,
                    AbortedTransactions = request.IsolationLevel == 1 ? [] : null,
                    Records = f.Records,
                })],
            });
        }

        return response;
    }

    private ListOffsetsResponse ListOffsets(ListOffsetsRequest request, short version)
    {
        const long Latest = -1, Earliest = -2, MaxTimestamp = -3;
        var response = new ListOffsetsResponse();
        foreach (var topicRequest in request.Topics)
        {
            log.TryGetTopic(topicRequest.Name, out var topic);
            var answers = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topicRequest.Name };
            response.Topics.Add(answers);
            foreach (var partition in topicRequest.Partitions)
            {
                var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partition.PartitionIndex, LeaderEpoch = version >= 4 ? 0 : -1 };
                answers.Partitions.Add(answer);
                if (topic is null || partition.PartitionIndex < 0 || partition.PartitionIndex >= topic.Partitions.Count)
                {
                    answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                var logPartition = topic.Partitions[partition.PartitionIndex];
                try
                {
                    switch (partition.Timestamp)
                    {
                        case Latest:
                            answer.Offset = logPartition.EndOffset;
                            break;
                        case Earliest:
                            answer.Offset = logPartition.StartOffset;
                            break;
                        case MaxTimestamp:
                            (answer.Offset, answer.Timestamp) = RecordWithLargestTimestamp(logPartition);
                            break;
                        case >= 0:
                            (answer.Offset, answer.Timestamp) = FirstRecordAtOrAfter(logPartition, partition.Timestamp);
                            break;
                        default:
                            answer.ErrorCode = (short)ErrorCode.InvalidRequest;
                            break;
                    }
                }
                catch (TopicDeletedException)
                {
                    // Deleted since the lookup above.
                    (answer.ErrorCode, answer.Offset, answer.Timestamp) = ((short)ErrorCode.UnknownTopicOrPartition, -1, -1);
                }
            }
        }

        return response;
    }

    // The first record whose timestamp is at or after the time, with its timestamp; (-1, -1) when there is none, as Kafka answers.
    private static (long Offset, long Timestamp) FirstRecordAtOrAfter(LogPartition partition, long timestamp)
    {
        var offset = partition.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
        using var reader = partition.OpenReader(offset);
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                if (record.Offset >= offset && record.Timestamp >= timestamp)
                {
                    return (record.Offset, record.Timestamp);
                }
            }
        }

        return (-1, -1);
    }

    // Kafka's MAX_TIMESTAMP: the record with the largest timestamp (the first of several). Reads the whole partition.
    private static (long Offset, long Timestamp) RecordWithLargestTimestamp(LogPartition partition)
    {
        (long Offset, long Timestamp) best = (-1, -1);
        using var reader = partition.OpenReader(partition.StartOffset);
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                if (record.Timestamp > best.Timestamp)
                {
                    best = (record.Offset, record.Timestamp);
                }
            }
        }

        return best;
    }
}
