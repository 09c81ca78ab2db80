using Herald.Server.Protocol;

namespace Herald.Server.Internal.Groups;

/// <summary>One member of a classic consumer group: what it joined with, its assignment, its session and the JoinGroup or
/// SyncGroup it waits on. Guarded by the <see cref="GroupCoordinator"/> lock.</summary>
internal sealed class ClassicGroupMember(string? instanceId)
{
    public string MemberId { get; set; } = "";

    /// <summary>Gets the static member's <c>group.instance.id</c>, or null for a dynamic member.</summary>
    public string? InstanceId { get; } = instanceId;

    public string ClientId { get; private set; } = "";

    public string ClientHost { get; private set; } = "";

    public TimeSpan SessionTimeout { get; private set; }

    public TimeSpan RebalanceTimeout { get; private set; }

    public string ProtocolType { get; private set; } = "";

    /// <summary>Gets the member's protocols, most preferred first, with their metadata (copied out of the request frame).</summary>
    public IReadOnlyList<(string Name, byte[] Metadata)> Protocols { get; private set; } = [];

    /// <summary>Gets or sets the assignment the leader gave the member (copied out of the request frame).</summary>
    public byte[] Assignment { get; set; } = [];

    /// <summary>Gets or sets when the member's session ends unless it heartbeats, joins, syncs or commits before.</summary>
    public DateTimeOffset SessionDeadline { get; set; }

    public TaskCompletionSource<JoinGroupResponse>? AwaitingJoin { get; set; }

    public TaskCompletionSource<SyncGroupResponse>? AwaitingSync { get; set; }

    /// <summary>A member (its id not given yet) as a JoinGroup describes it.</summary>
    public static ClassicGroupMember From(JoinGroupRequest request, string clientId, string clientHost)
    {
        // A v0 JoinGroup has no rebalance timeout: the session timeout stands in, as in Kafka.
        return new ClassicGroupMember(request.GroupInstanceId)
        {
            ClientId = clientId,
            ClientHost = clientHost,
            ProtocolType = request.ProtocolType,
            SessionTimeout = TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
            RebalanceTimeout = TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs > 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs),
            Protocols = [.. request.Protocols.Select(p => (p.Name, p.Metadata.ToArray()))],
        };
    }

    /// <summary>A member as a group's persisted record describes it (see <see cref="ClassicGroupRecord"/>).</summary>
    public static ClassicGroupMember Restore(
        string memberId, string? instanceId, string clientId, string clientHost, TimeSpan sessionTimeout, TimeSpan rebalanceTimeout,
        string protocolType, IReadOnlyList<(string Name, byte[] Metadata)> protocols, byte[] assignment) =>
        new(instanceId)
        {
            MemberId = memberId,
            ClientId = clientId,
            ClientHost = clientHost,
            SessionTimeout = sessionTimeout,
            RebalanceTimeout = rebalanceTimeout,
            ProtocolType = protocolType,
            Protocols = protocols,
            Assignment = assignment,
        };

    /// <summary>Takes the JoinGroup fields of <paramref name="other"/>, a member that a JoinGroup described.</summary>
    public void Update(ClassicGroupMember other)
    {
        (ClientId, ClientHost, ProtocolType, Protocols) = (other.ClientId, other.ClientHost, other.ProtocolType, other.Protocols);
        (SessionTimeout, RebalanceTimeout) = (other.SessionTimeout, other.RebalanceTimeout);
    }

    public bool HasSameProtocols(ClassicGroupMember other) =>
        Protocols.Count == other.Protocols.Count
        && Protocols.Zip(other.Protocols).All(p => p.First.Name == p.Second.Name && p.First.Metadata.AsSpan().SequenceEqual(p.Second.Metadata));

    public byte[] Metadata(string? protocol)
    {
        foreach (var (name, metadata) in Protocols)
        {
            if (name == protocol)
            {
                return metadata;
            }
        }

        return [];
    }

    public bool Supports(string protocol) => Protocols.Any(p => p.Name == protocol);
}
