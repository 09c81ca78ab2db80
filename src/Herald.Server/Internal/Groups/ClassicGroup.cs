namespace Herald.Server.Internal.Groups;

/// <summary>One classic consumer group: its state, generation, protocol, leader and members, and the deadlines its timer
/// serves. Guarded by the <see cref="GroupCoordinator"/> lock.</summary>
internal sealed class ClassicGroup(string id)
{
    private readonly List<ClassicGroupMember> _members = [];

    public string Id { get; } = id;

    public ClassicGroupState State { get; set; } = ClassicGroupState.Empty;

    public int Generation { get; set; }

    /// <summary>Gets or sets the protocol type (<c>consumer</c> for consumers) the first member joined with.</summary>
    public string? ProtocolType { get; set; }

    /// <summary>Gets or sets the protocol (the assignor, for consumers) chosen at the last rebalance.</summary>
    public string? ProtocolName { get; set; }

    public string? LeaderId { get; set; }

    /// <summary>Gets the members in the order they joined.</summary>
    public IReadOnlyList<ClassicGroupMember> Members => _members;

    /// <summary>Gets the member ids handed out with MEMBER_ID_REQUIRED and not joined with yet, and when each lapses.</summary>
    public Dictionary<string, DateTimeOffset> Pending { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the members that have not sent SyncGroup since the last rebalance completed.</summary>
    public HashSet<string> PendingSync { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets when the rebalance in progress completes with the members that have joined by then.</summary>
    public DateTimeOffset? JoinDeadline { get; set; }

    /// <summary>Gets or sets whether the rebalance in progress is an empty group's first, which waits for more members.</summary>
    public bool InInitialDelay { get; set; }

    /// <summary>Gets or sets whether a member joined during the current wait of the initial delay.</summary>
    public bool NewMemberAdded { get; set; }

    /// <summary>Gets or sets how much longer the initial delay may be extended (the rebalance timeout bounds it).</summary>
    public TimeSpan InitialDelayLeft { get; set; }

    /// <summary>Gets or sets when members still in <see cref="PendingSync"/> are removed.</summary>
    public DateTimeOffset? SyncDeadline { get; set; }

    public ITimer? Timer { get; set; }

    /// <summary>Gets the members and pending members: what the group's size cap counts.</summary>
    public int Size => _members.Count + Pending.Count;

    /// <summary>Gets the largest rebalance timeout of the members: how long a rebalance waits for them.</summary>
    public TimeSpan RebalanceTimeout => _members.Count == 0 ? TimeSpan.Zero : _members.Max(m => m.RebalanceTimeout);

    /// <summary>Gets whether every member has rejoined and no member id handed out is still to come back.</summary>
    public bool AllMembersJoined => Pending.Count == 0 && _members.TrueForAll(m => m.AwaitingJoin is not null);

    public ClassicGroupMember? Find(string memberId) => _members.Find(m => m.MemberId == memberId);

    public ClassicGroupMember? FindStatic(string instanceId) => _members.Find(m => m.InstanceId == instanceId);

    public void Add(ClassicGroupMember member)
    {
        if (_members.Count == 0)
        {
            ProtocolType = member.ProtocolType;
        }

        _members.Add(member);
        LeaderId ??= member.MemberId;
    }

    public void Remove(ClassicGroupMember member)
    {
        _members.Remove(member);
        PendingSync.Remove(member.MemberId);
        if (LeaderId == member.MemberId)
        {
            LeaderId = _members.Count > 0 ? _members[0].MemberId : null;
        }
    }

    /// <summary>Gets whether a member joining with these protocols fits the group: any non-empty protocol list fits an
    /// empty group; otherwise the type must be the group's and one protocol one that every member supports.</summary>
    public bool SupportsProtocols(string protocolType, IEnumerable<string> protocols)
    {
        if (_members.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Any();
        }

        return protocolType == ProtocolType && protocols.Any(p => _members.TrueForAll(m => m.Supports(p)));
    }

    /// <summary>Chooses the protocol of the next generation as Kafka does: among those every member supports, each member
    /// votes for the one it prefers most and the most votes win; a tie goes to the one the first member prefers.</summary>
    public string SelectProtocol()
    {
        var candidates = _members[0].Protocols.Select(p => p.Name).Where(p => _members.TrueForAll(m => m.Supports(p))).ToList();
        return candidates
            .Select((protocol, rank) => (protocol, rank, votes: _members.Count(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name == protocol)))
            .OrderByDescending(c => c.votes).ThenBy(c => c.rank)
            .First().protocol;
    }

    /// <summary>Gets the earliest moment the group's timer has something to do, or null.</summary>
    public DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = State == ClassicGroupState.PreparingRebalance ? JoinDeadline : null;
        next = Earliest(next, SyncDeadline);
        foreach (var deadline in Pending.Values)
        {
            next = Earliest(next, deadline);
        }

        foreach (var member in _members)
        {
            if (IsSessionRunning(member))
            {
                next = Earliest(next, member.SessionDeadline);
            }
        }

        return next;
    }

    /// <summary>Gets whether the member's session can expire: not while it waits in JoinGroup or SyncGroup, which the
    /// rebalance and sync deadlines bound instead.</summary>
    public static bool IsSessionRunning(ClassicGroupMember member) => member.AwaitingJoin is null && member.AwaitingSync is null;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
