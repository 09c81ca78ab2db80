using System.Text;
using Herald.Log;
using Herald.Server.Internal.Groups;
using Herald.Server.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Groups;

/// <summary>The classic group state machine on a fake clock: joins, rebalances, syncs, heartbeats, leaves, sessions.</summary>
public sealed class GroupCoordinatorTests : IDisposable
{
    private const string Group = "orders-app";
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Rebalance = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly GroupCoordinator _coordinator;

    public GroupCoordinatorTests() => _coordinator = Coordinator(TimeSpan.Zero);

    public void Dispose() => _coordinator.Dispose();

    [Fact]
    public void Join_NewMemberV4_GetsMemberIdRequiredThenLeadsGenerationOne()
    {
        var first = _coordinator.JoinAsync(JoinRequest(""), 5, "app", "/127.0.0.1");

        var required = Answer(first);
        Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)required.ErrorCode);
        Assert.StartsWith("app-", required.MemberId, StringComparison.Ordinal);

        var joined = Answer(_coordinator.JoinAsync(JoinRequest(required.MemberId), 5, "app", "/127.0.0.1"));
        Assert.Equal(ErrorCode.None, (ErrorCode)joined.ErrorCode);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal(required.MemberId, joined.Leader);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Equal("consumer", joined.ProtocolType);
        Assert.Equal([required.MemberId], joined.Members.Select(m => m.MemberId));
        Assert.Equal("range-metadata", Encoding.UTF8.GetString(joined.Members[0].Metadata.Span));
    }

    [Fact]
    public void Join_SecondMember_WaitsUntilTheFirstRejoins_ThenBothGetGenerationTwo()
    {
        var leader = JoinStable("a");

        var second = JoinNew("b");
        Assert.False(second.IsCompleted);
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(leader, 1));
        var rejoined = _coordinator.JoinAsync(JoinRequest(leader), 5, "a", "/127.0.0.1");

        var (leaderAnswer, secondAnswer) = (Answer(rejoined), Answer(second));
        Assert.Equal(2, leaderAnswer.GenerationId);
        Assert.Equal(2, secondAnswer.GenerationId);
        Assert.Equal(leader, leaderAnswer.Leader);
        Assert.Equal(leader, secondAnswer.Leader);
        Assert.Equal(2, leaderAnswer.Members.Count);
        Assert.Empty(secondAnswer.Members);
    }

    [Fact]
    public void Join_AMemberDoesNotRejoinWithinTheRebalanceTimeout_IsRemoved()
    {
        var leader = JoinStable("a");
        var second = JoinNew("b");
        for (var i = 0; i < 5; i++)
        {
            // The leader keeps its session but never rejoins (a consumer stuck in a long poll).
            _time.Advance(Session / 2);
            Heartbeat(leader, 1);
        }

        _time.Advance(Rebalance);

        var answer = Answer(second);
        Assert.Equal(ErrorCode.None, (ErrorCode)answer.ErrorCode);
        Assert.Equal(2, answer.GenerationId);
        Assert.Equal(answer.MemberId, answer.Leader);
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(leader, 1));
    }

    [Fact]
    public void Join_AMemberGoneSilentWhileOthersWait_ItsSessionEndsTheRebalanceBeforeTheRebalanceTimeout()
    {
        JoinStable("a");
        var second = JoinNew("b");

        _time.Advance(Session + TimeSpan.FromSeconds(1));

        var answer = Answer(second);
        Assert.Equal((2, answer.MemberId), (answer.GenerationId, answer.Leader));
        Assert.Equal([answer.MemberId], answer.Members.Select(m => m.MemberId));
    }

    [Fact]
    public void Join_NoProtocolEveryMemberSupports_InconsistentGroupProtocol()
    {
        JoinStable("a", "range");

        var other = Answer(_coordinator.JoinAsync(JoinRequest("", protocols: ["cooperative-sticky"]), 3, "b", "/127.0.0.1"));
        var otherType = Answer(_coordinator.JoinAsync(JoinRequest("", protocolType: "connect"), 3, "c", "/127.0.0.1"));

        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (ErrorCode)other.ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (ErrorCode)otherType.ErrorCode);
    }

    [Fact]
    public void Join_MembersPreferDifferentProtocols_TheMostVotedOfThoseAllSupportWins()
    {
        var a = JoinStable("a", "roundrobin", "range", "sticky");
        var b = JoinNew("b", "range", "roundrobin");
        var c = JoinNew("c", "range", "roundrobin");
        var rejoined = _coordinator.JoinAsync(JoinRequest(a, protocols: ["roundrobin", "range", "sticky"]), 5, "a", "/127.0.0.1");

        Assert.All(new[] { rejoined, b, c }, t => Assert.Equal("range", Answer(t).ProtocolName));
    }

    [Theory]
    [InlineData(5_999)]
    [InlineData(1_800_001)]
    public void Join_SessionTimeoutOutOfRange_InvalidSessionTimeout(int sessionMs)
    {
        using var coordinator = Coordinator(TimeSpan.Zero, minSession: TimeSpan.FromSeconds(6));

        var answer = Answer(coordinator.JoinAsync(JoinRequest("", sessionMs: sessionMs), 5, "a", "/127.0.0.1"));

        Assert.Equal(ErrorCode.InvalidSessionTimeout, (ErrorCode)answer.ErrorCode);
    }

    [Fact]
    public void Join_KnownMemberIdOfAnUnknownGroupOrMember_UnknownMemberId()
    {
        JoinStable("a");

        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)Answer(_coordinator.JoinAsync(JoinRequest("ghost"), 5, "x", "/127.0.0.1")).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)Answer(_coordinator.JoinAsync(JoinRequest("ghost", group: "no-such-group"), 5, "x", "/127.0.0.1")).ErrorCode);
    }

    [Fact]
    public void Join_GroupFull_GroupMaxSizeReached()
    {
        using var coordinator = Coordinator(TimeSpan.Zero, maxSize: 1);
        var first = Answer(coordinator.JoinAsync(JoinRequest(""), 5, "a", "/127.0.0.1"));

        var second = Answer(coordinator.JoinAsync(JoinRequest(""), 5, "b", "/127.0.0.1"));

        Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)first.ErrorCode);
        Assert.Equal(ErrorCode.GroupMaxSizeReached, (ErrorCode)second.ErrorCode);
    }

    [Fact]
    public void Join_MaxGroupsHeld_ANewGroupWaitsUntilAnEmptyOneCanBeForgotten()
    {
        using var coordinator = Coordinator(TimeSpan.Zero, maxGroups: 1);
        var first = Answer(coordinator.JoinAsync(JoinRequest("", group: "first"), 3, "a", "/127.0.0.1"));

        var refused = Answer(coordinator.JoinAsync(JoinRequest("", group: "second"), 3, "b", "/127.0.0.1"));
        coordinator.Leave("first", [(first.MemberId, null)]);
        var admitted = Answer(coordinator.JoinAsync(JoinRequest("", group: "second"), 3, "b", "/127.0.0.1"));

        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (ErrorCode)refused.ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)admitted.ErrorCode);
        Assert.Null(coordinator.Describe("first"));
    }

    [Fact]
    public void Join_MemberIdRequiredButNeverUsed_LapsesAfterTheSessionTimeout()
    {
        var leader = JoinStable("a");
        var required = Answer(_coordinator.JoinAsync(JoinRequest(""), 5, "b", "/127.0.0.1"));
        Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)required.ErrorCode);

        _time.Advance(Session + TimeSpan.FromSeconds(1));

        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)Answer(_coordinator.JoinAsync(JoinRequest(required.MemberId), 5, "b", "/127.0.0.1")).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(leader, 1));
    }

    [Fact]
    public void Join_EmptyGroupWithInitialDelay_MembersArrivingTogetherShareOneRebalance()
    {
        using var coordinator = Coordinator(TimeSpan.FromSeconds(3));
        var a = coordinator.JoinAsync(JoinRequest("", group: "delayed"), 3, "a", "/127.0.0.1");
        _time.Advance(TimeSpan.FromSeconds(2));
        var b = coordinator.JoinAsync(JoinRequest("", group: "delayed"), 3, "b", "/127.0.0.1");
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(a.IsCompleted || b.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(1, Answer(a).GenerationId);
        Assert.Equal(1, Answer(b).GenerationId);
        Assert.Equal(2, Answer(a).Members.Count);
    }

    [Fact]
    public void Sync_FollowerWaitsForTheLeader_ThenEachGetsItsOwnAssignment()
    {
        var (leader, follower) = JoinTwo();

        var followerSync = _coordinator.SyncAsync(SyncRequest(follower, 2));
        Assert.False(followerSync.IsCompleted);
        var leaderSync = _coordinator.SyncAsync(SyncRequest(leader, 2, (leader, "to-leader"), (follower, "to-follower")));

        Assert.Equal("to-leader", Encoding.UTF8.GetString(Sync(leaderSync).Assignment.Span));
        Assert.Equal("to-follower", Encoding.UTF8.GetString(Sync(followerSync).Assignment.Span));
        Assert.Equal(ErrorCode.None, Heartbeat(follower, 2));
        Assert.Equal("Stable", _coordinator.Describe(Group)!.GroupState);
    }

    [Fact]
    public void Sync_WrongGenerationOrUnknownMember_IsRefused()
    {
        var leader = JoinStable("a");

        Assert.Equal(ErrorCode.IllegalGeneration, (ErrorCode)Sync(_coordinator.SyncAsync(SyncRequest(leader, 7))).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)Sync(_coordinator.SyncAsync(SyncRequest("ghost", 1))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (ErrorCode)Sync(_coordinator.SyncAsync(new SyncGroupRequest { GroupId = Group, MemberId = leader, GenerationId = 1, ProtocolName = "sticky" })).ErrorCode);
    }

    [Fact]
    public void Sync_ARebalanceStartsBeforeTheLeaderSyncs_TheWaitingFollowerGetsRebalanceInProgress()
    {
        var (_, follower) = JoinTwo();
        var waiting = _coordinator.SyncAsync(SyncRequest(follower, 2));

        JoinNew("c");

        Assert.Equal(ErrorCode.RebalanceInProgress, (ErrorCode)Sync(waiting).ErrorCode);
    }

    [Fact]
    public void Sync_TheLeaderHeartbeatsButNeverSyncs_IsRemovedAfterTheRebalanceTimeout()
    {
        var (leader, follower) = JoinTwo();
        var waiting = _coordinator.SyncAsync(SyncRequest(follower, 2));

        for (var elapsed = TimeSpan.Zero; elapsed < Rebalance - (Session / 2); elapsed += Session / 2)
        {
            _time.Advance(Session / 2);
            Assert.Equal(ErrorCode.None, Heartbeat(leader, 2));
        }

        Assert.False(waiting.IsCompleted);
        _time.Advance(Session / 2);

        Assert.Equal(ErrorCode.RebalanceInProgress, (ErrorCode)Sync(waiting).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(leader, 2));
        var alone = Answer(_coordinator.JoinAsync(JoinRequest(follower), 5, "b", "/127.0.0.1"));
        Assert.Equal((3, follower), (alone.GenerationId, alone.Leader));
    }

    [Fact]
    public void Heartbeat_WrongGenerationOrUnknownMemberOrGroup_IsRefused()
    {
        var leader = JoinStable("a");

        Assert.Equal(ErrorCode.None, Heartbeat(leader, 1));
        Assert.Equal(ErrorCode.IllegalGeneration, Heartbeat(leader, 0));
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat("ghost", 1));
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat(new HeartbeatRequest { GroupId = "no-such-group", MemberId = leader, GenerationId = 1 }));
    }

    [Fact]
    public void Session_AMemberStopsHeartbeating_IsRemovedAndTheOthersRebalanceWithoutIt()
    {
        var (leader, follower) = JoinTwo();
        Sync(_coordinator.SyncAsync(SyncRequest(leader, 2)));
        Sync(_coordinator.SyncAsync(SyncRequest(follower, 2)));

        for (var elapsed = TimeSpan.Zero; elapsed <= Session; elapsed += TimeSpan.FromSeconds(3))
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(elapsed + TimeSpan.FromSeconds(3) > Session ? ErrorCode.RebalanceInProgress : ErrorCode.None, Heartbeat(follower, 2));
        }

        var rejoined = Answer(_coordinator.JoinAsync(JoinRequest(follower), 5, "b", "/127.0.0.1"));
        Assert.Equal((3, follower), (rejoined.GenerationId, rejoined.Leader));
        Assert.Equal([follower], rejoined.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(leader, 2));
    }

    [Fact]
    public void Leave_DuringARebalance_TheRebalanceCompletesWithoutTheMember()
    {
        var leader = JoinStable("a");
        var second = JoinNew("b");

        var left = _coordinator.Leave(Group, [(leader, null)]);

        Assert.Equal(ErrorCode.None, left.Single().Error);
        var answer = Answer(second);
        Assert.Equal((2, answer.MemberId), (answer.GenerationId, answer.Leader));
    }

    [Fact]
    public void Leave_WaitingInJoin_TheWaitIsAnsweredUnknownMemberId_AndTheRebalanceGoesOnWithoutIt()
    {
        var (leader, follower) = JoinTwo();
        var third = JoinNew("c");
        var waiting = _coordinator.JoinAsync(JoinRequest(leader), 5, "a", "/127.0.0.1");
        Assert.False(waiting.IsCompleted);

        _coordinator.Leave(Group, [(leader, null)]);

        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)Answer(waiting).ErrorCode);
        var rejoined = Answer(_coordinator.JoinAsync(JoinRequest(follower), 5, "b", "/127.0.0.1"));
        Assert.Equal((3, follower), (rejoined.GenerationId, rejoined.Leader));
        Assert.Equal([follower, Answer(third).MemberId], rejoined.Members.Select(m => m.MemberId));
    }

    [Fact]
    public void Leave_BatchWithAnUnknownMember_AnswersEachMember()
    {
        var (leader, follower) = JoinTwo();

        var left = _coordinator.Leave(Group, [(leader, null), ("ghost", null), (follower, null)]);

        Assert.Equal([ErrorCode.None, ErrorCode.UnknownMemberId, ErrorCode.None], left.Select(l => l.Error));
        Assert.Equal("Empty", _coordinator.Describe(Group)!.GroupState);
    }

    [Fact]
    public void CheckCommit_FollowsTheGroupsGenerationAndState()
    {
        Assert.Equal(ErrorCode.None, _coordinator.CheckCommit("standalone", -1, "", null));
        Assert.Equal(ErrorCode.IllegalGeneration, _coordinator.CheckCommit("standalone", 3, "someone", null));
        var (leader, follower) = JoinTwo();

        Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.CheckCommit(Group, 2, follower, null));
        Sync(_coordinator.SyncAsync(SyncRequest(leader, 2)));
        Assert.Equal(ErrorCode.None, _coordinator.CheckCommit(Group, 2, leader, null));
        Assert.Equal(ErrorCode.IllegalGeneration, _coordinator.CheckCommit(Group, 1, leader, null));
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.CheckCommit(Group, -1, "", null));
        _coordinator.Leave(Group, [(leader, null), (follower, null)]);
        Assert.Equal(ErrorCode.None, _coordinator.CheckCommit(Group, -1, "", null));
    }

    [Fact]
    public void StaticMember_RejoinsWithoutItsMemberId_KeepsItsAssignmentWithoutARebalance_AndTheOldIdIsFenced()
    {
        var first = Answer(_coordinator.JoinAsync(JoinRequest("", instance: "pod-0"), 5, "a", "/127.0.0.1"));
        Sync(_coordinator.SyncAsync(SyncRequest(first.MemberId, 1, (first.MemberId, "p0"))));

        var again = Answer(_coordinator.JoinAsync(JoinRequest("", instance: "pod-0"), 5, "a", "/127.0.0.1"));
        var sync = Sync(_coordinator.SyncAsync(With(SyncRequest(again.MemberId, 1), "pod-0")));

        Assert.Equal(ErrorCode.None, (ErrorCode)again.ErrorCode);
        Assert.NotEqual(first.MemberId, again.MemberId);
        Assert.Equal(1, again.GenerationId);
        Assert.Equal("p0", Encoding.UTF8.GetString(sync.Assignment.Span));
        Assert.Equal(ErrorCode.FencedInstanceId, _coordinator.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = first.MemberId, GroupInstanceId = "pod-0", GenerationId = 1 }));
        Assert.Equal(ErrorCode.None, _coordinator.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = again.MemberId, GroupInstanceId = "pod-0", GenerationId = 1 }));
        Assert.Equal(ErrorCode.None, _coordinator.Leave(Group, [("", "pod-0")]).Single().Error);
    }

    [Fact]
    public void Dispose_AJoinStillWaiting_IsAnsweredNotCoordinator()
    {
        using var coordinator = Coordinator(TimeSpan.FromSeconds(3));
        var waiting = coordinator.JoinAsync(JoinRequest("", group: "stopping"), 3, "a", "/127.0.0.1");

        coordinator.Dispose();

        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)Answer(waiting).ErrorCode);
    }

    [Fact]
    public void BeginDelete_AGroupWithMembersIsRefused_AnEmptyOneIsDeadUntilEndDelete_ThenGone()
    {
        var member = JoinStable("a");
        Assert.Equal(ErrorCode.NonEmptyGroup, _coordinator.BeginDelete(Group, out _));
        _coordinator.Leave(Group, [(member, null)]);

        Assert.Equal(ErrorCode.None, _coordinator.BeginDelete(Group, out var known));

        Assert.True(known);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (ErrorCode)Answer(_coordinator.JoinAsync(JoinRequest(""), 5, "b", "/127.0.0.1")).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, _coordinator.CheckCommit(Group, -1, "", null));
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, _coordinator.BeginDelete(Group, out _));
        Assert.Empty(_coordinator.List());
        Assert.Null(_coordinator.Describe(Group));
        _coordinator.EndDelete(Group, known, deleted: true);
        Assert.Empty(_coordinator.List());
        Assert.Equal(ErrorCode.None, _coordinator.CheckCommit(Group, -1, "", null));
        Assert.Equal(1, Answer(JoinNew("b")).GenerationId);
    }

    [Fact]
    public void EndDelete_NotDeleted_BringsAnEmptyGroupBackWithItsPendingMember_AndDropsAPlaceholder()
    {
        Assert.Equal(ErrorCode.None, _coordinator.BeginDelete("unknown", out var unknownKnown));
        Assert.False(unknownKnown);
        _coordinator.EndDelete("unknown", unknownKnown, deleted: false);
        Assert.Empty(_coordinator.List());

        var required = Answer(_coordinator.JoinAsync(JoinRequest(""), 5, "a", "/127.0.0.1"));
        Assert.Equal(ErrorCode.None, _coordinator.BeginDelete(Group, out var known));
        _coordinator.EndDelete(Group, known, deleted: false);

        Assert.Equal([(Group, "", ClassicGroupState.Empty)], _coordinator.List());
        Assert.Equal(1, Answer(_coordinator.JoinAsync(JoinRequest(required.MemberId), 5, "a", "/127.0.0.1")).GenerationId);
    }

    private GroupCoordinator Coordinator(TimeSpan initialDelay, TimeSpan? minSession = null, int maxSize = 1000, int maxGroups = 100) =>
        new(new HeraldServerOptions
        {
            DataDirectory = "unused",
            GroupInitialRebalanceDelay = initialDelay,
            GroupMinSessionTimeout = minSession ?? TimeSpan.FromSeconds(1),
            GroupMaxSize = maxSize,
            MaxGroups = maxGroups,
            Log = new EmbeddedLogOptions { TimeProvider = _time },
        }, NullLogger.Instance);

    private static JoinGroupRequest JoinRequest(string memberId, string group = Group, string? instance = null, int sessionMs = 10_000, string protocolType = "consumer", string[]? protocols = null) => new()
    {
        GroupId = group,
        MemberId = memberId,
        GroupInstanceId = instance,
        SessionTimeoutMs = sessionMs,
        RebalanceTimeoutMs = (int)Rebalance.TotalMilliseconds,
        ProtocolType = protocolType,
        Protocols = [.. (protocols ?? ["range"]).Select(p => new JoinGroupRequest.JoinGroupRequestProtocol { Name = p, Metadata = Encoding.UTF8.GetBytes($"{p}-metadata") })],
    };

    private static SyncGroupRequest SyncRequest(string memberId, int generation, params (string MemberId, string Assignment)[] assignments) => new()
    {
        GroupId = Group,
        MemberId = memberId,
        GenerationId = generation,
        Assignments = [.. assignments.Select(a => new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = a.MemberId, Assignment = Encoding.UTF8.GetBytes(a.Assignment) })],
    };

    private static SyncGroupRequest With(SyncGroupRequest request, string instance)
    {
        request.GroupInstanceId = instance;
        return request;
    }

    /// <summary>A member through MEMBER_ID_REQUIRED and its JoinGroup, which may wait for a rebalance.</summary>
    private Task<JoinGroupResponse> JoinNew(string clientId, params string[] protocols)
    {
        var required = Answer(_coordinator.JoinAsync(JoinRequest("", protocols: protocols.Length > 0 ? protocols : null), 5, clientId, "/127.0.0.1"));
        Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)required.ErrorCode);
        return _coordinator.JoinAsync(JoinRequest(required.MemberId, protocols: protocols.Length > 0 ? protocols : null), 5, clientId, "/127.0.0.1");
    }

    /// <summary>The first member of the group, joined and synced alone: generation 1, stable.</summary>
    private string JoinStable(string clientId, params string[] protocols)
    {
        var joined = Answer(JoinNew(clientId, protocols));
        Assert.Equal(1, joined.GenerationId);
        Sync(_coordinator.SyncAsync(SyncRequest(joined.MemberId, 1, (joined.MemberId, "all"))));
        return joined.MemberId;
    }

    /// <summary>Two members at generation 2, the rebalance complete and nobody synced.</summary>
    private (string Leader, string Follower) JoinTwo()
    {
        var leader = JoinStable("a");
        var second = JoinNew("b");
        Answer(_coordinator.JoinAsync(JoinRequest(leader), 5, "a", "/127.0.0.1"));
        return (leader, Answer(second).MemberId);
    }

    private ErrorCode Heartbeat(string memberId, int generation) =>
        _coordinator.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = memberId, GenerationId = generation });

    private static JoinGroupResponse Answer(Task<JoinGroupResponse> join)
    {
        Assert.True(join.IsCompletedSuccessfully, "the JoinGroup is still waiting");
        return join.Result;
    }

    private static SyncGroupResponse Sync(Task<SyncGroupResponse> sync)
    {
        Assert.True(sync.IsCompletedSuccessfully, "the SyncGroup is still waiting");
        return sync.Result;
    }
}
