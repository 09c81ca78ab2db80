using Herald.Log.Groups;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>DeleteGroups, as Kafka's coordinator answers it: a group that has members (a Kafka client's, or a member of the
/// log's own <see cref="ConsumerGroups"/> in this process) is refused with NON_EMPTY_GROUP; one with neither members nor
/// committed offsets is GROUP_ID_NOT_FOUND; any other loses its committed offsets and its coordinator state, and a new
/// member of that name starts from its <c>auto.offset.reset</c>.</summary>
/// <remarks>Herald's <c>__herald.</c> prefix gets no special case: unlike the topics, no group of that name holds Herald's
/// state (Herald.Kafka's readers name a <c>__herald.</c> group only because librdkafka wants one; they never join or
/// commit), so such a group is deleted as any other, as Kafka would.</remarks>
internal sealed partial class KafkaRequestHandler
{
    private async Task<DeleteGroupsResponse> DeleteGroupsAsync(DeleteGroupsRequest request, ConnectionState connection)
    {
        var response = new DeleteGroupsResponse();

        // Kafka answers a group named twice once.
        foreach (var id in request.GroupsNames.Distinct(StringComparer.Ordinal))
        {
            var error = ConsumerGroups.IsValidName(id) ? await DeleteGroupAsync(id, connection).ConfigureAwait(false) : ErrorCode.InvalidGroupId;
            response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = id, ErrorCode = (short)error });
        }

        return response;
    }

    private async Task<ErrorCode> DeleteGroupAsync(string id, ConnectionState connection)
    {
        var error = groups.BeginDelete(id, out var known);
        if (error != ErrorCode.None)
        {
            return error;
        }

        try
        {
            // Not cancelled with the connection: once begun, a deletion ends, and the coordinator hears how. It unlinks
            // a file and flushes its directory: off the connection's thread.
            var hadOffsets = await Task.Run(() => log.Groups.Delete(id), CancellationToken.None).ConfigureAwait(false);
            error = known || hadOffsets ? ErrorCode.None : ErrorCode.GroupIdNotFound;
        }
        catch (ObjectDisposedException)
        {
            error = ErrorCode.NotCoordinator;
        }
        catch (InvalidOperationException)
        {
            // A member of the log's own groups holds it: the embedded-log API, in this process.
            error = ErrorCode.NonEmptyGroup;
        }
        catch (IOException e)
        {
            // Retriable, as Kafka answers a deletion its offsets topic could not take.
            ServerLog.GroupDeletionFailed(logger, id, e);
            error = ErrorCode.CoordinatorNotAvailable;
        }
        finally
        {
            groups.EndDelete(id, known, deleted: error == ErrorCode.None);
        }

        if (error == ErrorCode.None)
        {
            ServerLog.GroupDeleted(logger, id, connection.Remote);
        }

        return error;
    }
}
