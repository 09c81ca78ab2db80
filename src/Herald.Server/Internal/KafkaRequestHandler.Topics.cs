using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>DeleteTopics: each topic leaves the log at once (Metadata, Produce, Fetch and ListOffsets answer
/// UNKNOWN_TOPIC_OR_PARTITION from then on), and the answer waits up to the request's timeout for its files and
/// committed offsets to be gone.</summary>
internal sealed partial class KafkaRequestHandler
{
    // Topic deletions so far: a connection whose count differs drops its readers of partitions that went away.
    private int _deletions;

    private async Task<DeleteTopicsResponse> DeleteTopicsAsync(DeleteTopicsRequest request, short version, ConnectionState connection, CancellationToken cancellationToken)
    {
        List<(string? Name, Guid Id)> asked = version >= 6 ? [.. request.Topics.Select(t => (t.Name, t.TopicId))] : [.. request.TopicNames.Select(name => ((string?)name, Guid.Empty))];
        var duplicates = asked.Where(t => t.Name is not null).GroupBy(t => t.Name!, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var response = new DeleteTopicsResponse();
        var deletions = new List<(DeleteTopicsResponse.DeletableTopicResult Result, Task Deletion)>();
        foreach (var (name, id) in asked.DistinctBy(t => t.Name ?? $"\0{t.Id}", StringComparer.Ordinal))
        {
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            response.Responses.Add(result);
            var refusal = Refusal(name, id, version, duplicates);
            if (refusal is null && StartDeletion(name!, version, connection, out var deletion, out refusal))
            {
                deletions.Add((result, deletion));
            }

            if (refusal is { } refused)
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)refused.Error, refused.Message);
            }
        }

        // Kafka's answer to a timeout of 0 or less: the deletions start, and REQUEST_TIMED_OUT says they were not awaited.
        if (deletions.Count > 0 && request.TimeoutMs > 0)
        {
            using var waited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(TimeSpan.FromMilliseconds(request.TimeoutMs), _time, waited.Token);
            await Task.WhenAny(Task.WhenAll(deletions.Select(d => d.Deletion)), delay).ConfigureAwait(false);
            await waited.CancelAsync().ConfigureAwait(false);
        }

        foreach (var (result, deletion) in deletions)
        {
            var (error, message) = deletion.Status switch
            {
                TaskStatus.RanToCompletion => (ErrorCode.None, null),
                TaskStatus.Faulted when deletion.Exception!.InnerException is ObjectDisposedException => (ErrorCode.NotController, "the server is stopping"),
                TaskStatus.Faulted => (ErrorCode.KafkaStorageError, deletion.Exception!.InnerException!.Message),
                _ => (ErrorCode.RequestTimedOut, $"topic '{result.Name}' is deleted, and the removal of its files goes on past the request's timeout of {request.TimeoutMs} ms"),
            };
            (result.ErrorCode, result.ErrorMessage) = ((short)error, message);
        }

        return response;
    }

    private static (ErrorCode Error, string Message)? Refusal(string? name, Guid id, short version, HashSet<string> duplicates) =>
        (name, id) switch
        {
            (null, var zero) when zero == Guid.Empty => (ErrorCode.InvalidRequest, "neither a topic name nor a topic id was given"),
            (null, _) => (ErrorCode.UnsupportedVersion, "topic ids are not supported by herald serve (Metadata reports every topic's as zero): name the topic"),
            (_, var given) when given != Guid.Empty => (ErrorCode.InvalidRequest, "give a topic name or a topic id, not both"),
            _ when duplicates.Contains(name) => (ErrorCode.InvalidRequest, $"topic '{name}' is named more than once"),
            _ => null,
        };

    // Starts deleting a topic: it is out of the log when this returns, so the server's state for its partitions goes too.
    private bool StartDeletion(string name, short version, ConnectionState connection, out Task deletion, out (ErrorCode Error, string Message)? refusal)
    {
        deletion = Task.CompletedTask;
        refusal = null;
        if (!log.TryGetTopic(name, out var topic))
        {
            refusal = (ErrorCode.UnknownTopicOrPartition, $"no topic '{name}'");
            return false;
        }

        if (name.StartsWith(TopicNames.HeraldPrefix, StringComparison.Ordinal))
        {
            // Kafka's refusal of a deletion, which before v3 was INVALID_REQUEST.
            refusal = (version >= 3 ? ErrorCode.TopicDeletionDisabled : ErrorCode.InvalidRequest,
                $"topic '{name}' holds Herald's own state (the {TopicNames.HeraldPrefix}* topics are internal): herald serve does not delete it");
            return false;
        }

        try
        {
            deletion = log.DeleteTopicAsync(name, CancellationToken.None);
        }
        catch (ArgumentException)
        {
            refusal = (ErrorCode.UnknownTopicOrPartition, $"no topic '{name}'");
            return false;
        }
        catch (ObjectDisposedException)
        {
            refusal = (ErrorCode.NotController, "the server is stopping");
            return false;
        }

        foreach (var partition in topic.Partitions)
        {
            _appender.Forget(partition);
        }

        lock (_topics)
        {
            // Options a CreateTopics registered go with the topic; those the server was configured with stay.
            RestoreOptions(name);
        }

        Interlocked.Increment(ref _deletions);
        _ = ObserveAsync(name, topic.Partitions.Count, deletion, connection.Remote);
        return true;
    }

    // Logs how a deletion ended, whether or not a response still waits for it.
    private async Task ObserveAsync(string name, int partitions, Task deletion, string remote)
    {
        try
        {
            await deletion.ConfigureAwait(false);
            ServerLog.TopicDeleted(logger, name, partitions, remote);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or AggregateException)
        {
            ServerLog.TopicDeletionFailed(logger, name, e);
        }
    }

    /// <summary>Drops the connection's readers of partitions whose topic was deleted since it last looked.</summary>
    private void ForgetDeletedReaders(ConnectionState connection)
    {
        var deletions = Volatile.Read(ref _deletions);
        if (connection.DeletionsSeen != deletions)
        {
            connection.DeletionsSeen = deletions;
            connection.ForgetReaders(p => !log.TryGetTopic(p.Topic, out var topic) || !ReferenceEquals(topic.Partitions[p.Id], p));
        }
    }
}
