using System.Net;
using Herald.Log.Groups;
using Herald.Server.Internal.Groups;
using Herald.Server.Protocol;

namespace Herald.Server.Internal;

/// <summary>FindCoordinator and the classic group protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ListGroups,
/// DescribeGroups. The <see cref="GroupCoordinator"/> decides; this file maps versions.</summary>
internal sealed partial class KafkaRequestHandler
{
    private const sbyte GroupKey = 0, TransactionKey = 1;

    /// <summary>This broker coordinates every group. It has no transaction coordinator: a transactional producer is
    /// refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as InitProducerId refuses it, so it fails at once rather than
    /// retrying a coordinator that never comes.</summary>
    private FindCoordinatorResponse FindCoordinator(FindCoordinatorRequest request, short version)
    {
        var (host, port) = Advertised();
        var response = new FindCoordinatorResponse();
        foreach (var (key, keyType) in version >= 4 ? request.CoordinatorKeys.Select(k => (k, request.KeyType)) : [(request.Key, request.KeyType)])
        {
            var (error, message) = keyType switch
            {
                GroupKey => (ErrorCode.None, (string?)null),
                TransactionKey => (ErrorCode.TransactionalIdAuthorizationFailed, "transactions are not supported by herald serve"),
                _ => (ErrorCode.InvalidRequest, $"key type {keyType} is unknown; herald serve coordinates groups (key type 0)"),
            };
            var found = error == ErrorCode.None;
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
            {
                Key = key,
                NodeId = found ? 0 : -1,
                Host = found ? host : "",
                Port = found ? port : -1,
                ErrorCode = (short)error,
                ErrorMessage = message,
            });
        }

        if (version < 4)
        {
            var only = response.Coordinators[0];
            (response.ErrorCode, response.ErrorMessage, response.NodeId, response.Host, response.Port) = (only.ErrorCode, only.ErrorMessage, only.NodeId, only.Host, only.Port);
            response.Coordinators.Clear();
        }

        return response;
    }

    private async Task<JoinGroupResponse> JoinGroupAsync(JoinGroupRequest request, short version, ConnectionState connection, CancellationToken cancellationToken)
    {
        var joined = groups.JoinAsync(request, version, connection.ClientId ?? "", ClientHost(connection));
        var response = await joined.WaitAsync(cancellationToken).ConfigureAwait(false);

        // Null only from v7 on; earlier versions write an empty name.
        response.ProtocolName ??= version < 7 ? "" : null;
        return response;
    }

    private async Task<SyncGroupResponse> SyncGroupAsync(SyncGroupRequest request, CancellationToken cancellationToken) =>
        await groups.SyncAsync(request).WaitAsync(cancellationToken).ConfigureAwait(false);

    private LeaveGroupResponse LeaveGroup(LeaveGroupRequest request, short version)
    {
        var leaving = version < 3 ? [(request.MemberId, null)] : request.Members.Select(m => (m.MemberId, m.GroupInstanceId));
        var results = groups.Leave(request.GroupId, leaving);
        if (version < 3)
        {
            return new LeaveGroupResponse { ErrorCode = (short)results[0].Error };
        }

        return new LeaveGroupResponse
        {
            Members = [.. results.Select(r => new LeaveGroupResponse.MemberResponse { MemberId = r.MemberId, GroupInstanceId = r.InstanceId, ErrorCode = (short)r.Error })],
        };
    }

    /// <summary>The groups with members, and the groups that only have committed offsets (Kafka clients' simple commits
    /// and Herald's own groups, which share the one namespace) as empty groups of no protocol type, as Kafka lists them.</summary>
    private ListGroupsResponse ListGroups(ListGroupsRequest request)
    {
        var listed = groups.List().ToDictionary(g => g.GroupId, g => (g.ProtocolType, State: g.State.ToString()), StringComparer.Ordinal);
        foreach (var name in log.Groups.Names)
        {
            listed.TryAdd(name, ("", nameof(ClassicGroupState.Empty)));
        }

        var states = new HashSet<string>(request.StatesFilter, StringComparer.OrdinalIgnoreCase);
        return new ListGroupsResponse
        {
            Groups = [.. listed.Where(g => states.Count == 0 || states.Contains(g.Value.State)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new ListGroupsResponse.ListedGroup { GroupId = g.Key, ProtocolType = g.Value.ProtocolType, GroupState = g.Value.State })],
        };
    }

    private DescribeGroupsResponse DescribeGroups(DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        IReadOnlyCollection<string>? withOffsets = null;
        foreach (var id in request.Groups)
        {
            if (!ConsumerGroups.IsValidName(id))
            {
                response.Groups.Add(new DescribeGroupsResponse.DescribedGroup { GroupId = id, ErrorCode = (short)ErrorCode.InvalidGroupId, GroupState = nameof(ClassicGroupState.Dead) });
                continue;
            }

            withOffsets ??= log.Groups.Names;
            response.Groups.Add(groups.Describe(id) ?? new DescribeGroupsResponse.DescribedGroup
            {
                GroupId = id,
                GroupState = withOffsets.Contains(id) ? nameof(ClassicGroupState.Empty) : nameof(ClassicGroupState.Dead),
            });
        }

        return response;
    }

    /// <summary>The client's address as Kafka shows it in DescribeGroups: <c>/127.0.0.1</c>.</summary>
    private static string ClientHost(ConnectionState connection) =>
        "/" + (IPEndPoint.TryParse(connection.Remote, out var remote) ? remote.Address.ToString() : connection.Remote);
}
