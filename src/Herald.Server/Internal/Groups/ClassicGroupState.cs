namespace Herald.Server.Internal.Groups;

/// <summary>The states of a classic consumer group, spelled as Kafka spells them in ListGroups and DescribeGroups.</summary>
internal enum ClassicGroupState
{
    /// <summary>No members (the group may still have committed offsets).</summary>
    Empty,

    /// <summary>A rebalance has started: the coordinator waits for every member to send JoinGroup.</summary>
    PreparingRebalance,

    /// <summary>Every member has its JoinGroup answer; the coordinator waits for the leader's assignments.</summary>
    CompletingRebalance,

    /// <summary>The leader's assignments are stored and the members consume.</summary>
    Stable,

    /// <summary>The group is not known here.</summary>
    Dead,
}
