using Herald.Log;
using Herald.Log.Groups;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>OffsetCommit and OffsetFetch, over the log's consumer groups: a Kafka group's committed offsets are the
/// group's offsets in <see cref="EmbeddedLog.Groups"/>, so <c>herald log</c> shows its lag.</summary>
internal sealed partial class KafkaRequestHandler
{
    /// <summary>Commits once the group allows it (see <see cref="Groups.GroupCoordinator.CheckCommit"/>) and answers once
    /// the offsets are on disk: an acknowledged commit survives a crash of the server.</summary>
    /// <remarks>A commit's metadata string is not kept (OffsetFetch answers an empty one); nor is its leader epoch.</remarks>
    private async Task<OffsetCommitResponse> OffsetCommitAsync(OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var group = request.GroupId;
        var refusal = ConsumerGroups.IsValidName(group) ? groups.CheckCommit(group, request.GenerationIdOrMemberEpoch, request.MemberId, request.GroupInstanceId) : ErrorCode.InvalidGroupId;
        var response = new OffsetCommitResponse();
        var offsets = new Dictionary<(string Topic, int Partition), long>();
        var committed = new List<OffsetCommitResponse.OffsetCommitResponsePartition>();
        foreach (var topic in request.Topics)
        {
            var answers = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            response.Topics.Add(answers);
            log.TryGetTopic(topic.Name, out var logTopic);
            foreach (var partition in topic.Partitions)
            {
                var answer = new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = partition.PartitionIndex };
                answers.Partitions.Add(answer);
                var error = refusal != ErrorCode.None ? refusal
                    : logTopic is null || partition.PartitionIndex < 0 || partition.PartitionIndex >= logTopic.Partitions.Count ? ErrorCode.UnknownTopicOrPartition
                    : partition.CommittedOffset < 0 ? ErrorCode.InvalidCommitOffsetSize
                    : ErrorCode.None;
                answer.ErrorCode = (short)error;
                if (error == ErrorCode.None)
                {
                    offsets[(topic.Name, partition.PartitionIndex)] = partition.CommittedOffset;
                    committed.Add(answer);
                }
            }
        }

        if (offsets.Count > 0 && await CommitAsync(group, offsets, cancellationToken).ConfigureAwait(false) is var failed && failed != ErrorCode.None)
        {
            committed.ForEach(answer => answer.ErrorCode = (short)failed);
        }

        return response;
    }

    private async Task<ErrorCode> CommitAsync(string group, Dictionary<(string Topic, int Partition), long> offsets, CancellationToken cancellationToken)
    {
        try
        {
            // The commit writes and flushes a file: off the connection's thread.
            await Task.Run(() => log.Groups.CommitOffsets(group, offsets), cancellationToken).ConfigureAwait(false);
            return ErrorCode.None;
        }
        catch (LogCorruptedException e)
        {
            ServerLog.CommitFailed(logger, group, e);
            return ErrorCode.UnknownServerError;
        }
        catch (ArgumentException)
        {
            // The log has no such partition any more: its topic was deleted since the check above.
            return ErrorCode.UnknownTopicOrPartition;
        }
        catch (IOException e)
        {
            // Retriable, as Kafka answers a commit its offsets topic could not take.
            ServerLog.CommitFailed(logger, group, e);
            return ErrorCode.CoordinatorNotAvailable;
        }
        catch (ObjectDisposedException)
        {
            return ErrorCode.NotCoordinator;
        }
    }

    /// <summary>The group's committed offsets: those asked for (-1 where there is none), or from v2 with null topics all
    /// of them. Metadata is always empty.</summary>
    private OffsetFetchResponse OffsetFetch(OffsetFetchRequest request, short version)
    {
        var response = new OffsetFetchResponse();
        var error = ConsumerGroups.IsValidName(request.GroupId) ? ErrorCode.None : ErrorCode.InvalidGroupId;
        IReadOnlyDictionary<(string Topic, int Partition), long> committed = new Dictionary<(string, int), long>();
        try
        {
            committed = error == ErrorCode.None ? log.Groups.GetCommittedOffsets(request.GroupId) : committed;
        }
        catch (LogCorruptedException e)
        {
            ServerLog.CommitFailed(logger, request.GroupId, e);
            error = ErrorCode.UnknownServerError;
        }

        var asked = request.Topics?.Select(t => (Name: t.Name, Partitions: (IEnumerable<int>)t.PartitionIndexes))
            ?? committed.Keys.GroupBy(k => k.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Name: g.Key, Partitions: (IEnumerable<int>)g.Select(k => k.Partition).Order()));
        foreach (var (topic, partitions) in asked)
        {
            response.Topics.Add(new OffsetFetchResponse.OffsetFetchResponseTopic
            {
                Name = topic,
                Partitions = [.. partitions.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = p,
                    CommittedOffset = committed.TryGetValue((topic, p), out var offset) ? offset : -1,
                    Metadata = "",
                    ErrorCode = (short)(version < 2 ? error : ErrorCode.None),
                })],
            });
        }

        response.ErrorCode = (short)error;
        return response;
    }
}
