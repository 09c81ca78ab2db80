using System.Text;
using Herald.Log;
using Herald.Server.Internal.Groups;
using Herald.Server.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Groups;

/// <summary>Groups saved when they become stable or empty and loaded by the next coordinator over the same data
/// directory: the coordinator on a fake clock, the log on the real one (its flushes run on its timers).</summary>
public sealed class GroupStoreTests : IDisposable
{
    private const string Group = "orders-app";
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-group-store-{Guid.NewGuid():N}");
    private readonly CapturingLogger _logger = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_AStableGroup_ItsMembersHeartbeatCommitAndRejoinAtTheirGeneration()
    {
        var (leader, follower) = await WithCoordinatorAsync(TwoStable);

        await WithCoordinatorAsync(coordinator =>
        {
            var described = coordinator.Describe(Group)!;
            Assert.Equal(("Stable", "range"), (described.GroupState, described.ProtocolData));
            Assert.Equal([(leader, "to-a"), (follower, "to-b")], described.Members.Select(m => (m.MemberId, Encoding.UTF8.GetString(m.MemberAssignment.Span))));
            Assert.Equal("/10.0.0.2", described.Members[1].ClientHost);
            Assert.Equal(ErrorCode.None, Heartbeat(coordinator, leader, 2));
            Assert.Equal(ErrorCode.IllegalGeneration, Heartbeat(coordinator, follower, 1));
            Assert.Equal(ErrorCode.None, coordinator.CheckCommit(Group, 2, follower, null));

            // A follower's JoinGroup with its protocols unchanged (its answer lost) is answered with its generation.
            var rejoined = coordinator.JoinAsync(JoinRequest(follower), 5, "b", "/10.0.0.2");
            Assert.True(rejoined.IsCompletedSuccessfully);
            Assert.Equal((ErrorCode.None, 2, leader), ((ErrorCode)rejoined.Result.ErrorCode, rejoined.Result.GenerationId, rejoined.Result.Leader));
            var synced = coordinator.SyncAsync(new SyncGroupRequest { GroupId = Group, MemberId = follower, GenerationId = 2 });
            Assert.Equal("to-b", Encoding.UTF8.GetString(synced.Result.Assignment.Span));
            return 0;
        });

        Assert.Contains(_logger.Messages, m => m.Level == LogLevel.Information && m.Text.StartsWith("Loaded 1 consumer groups", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Load_AMemberThatDoesNotComeBack_IsRemovedAfterItsSession_AndTheOtherGetsEverything()
    {
        var (leader, follower) = await WithCoordinatorAsync(TwoStable);

        await WithCoordinatorAsync(coordinator =>
        {
            _time.Advance(Session / 2);
            Assert.Equal(ErrorCode.None, Heartbeat(coordinator, leader, 2));
            _time.Advance(Session / 2 + TimeSpan.FromSeconds(1));

            // The follower's session, counted from the load, has run out: the leader is asked to rejoin, alone.
            Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(coordinator, follower, 2));
            Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(coordinator, leader, 2));
            var joined = coordinator.JoinAsync(JoinRequest(leader), 5, "a", "/10.0.0.1");
            Assert.True(joined.IsCompletedSuccessfully);
            Assert.Equal((3, leader), (joined.Result.GenerationId, joined.Result.Leader));
            Assert.Equal([leader], joined.Result.Members.Select(m => m.MemberId));
            return 0;
        });
    }

    [Fact]
    public async Task Load_AGroupThatBecameEmpty_IsNotLoaded()
    {
        await WithCoordinatorAsync(coordinator =>
        {
            var (leader, follower) = TwoStable(coordinator);
            coordinator.Leave(Group, [(leader, null), (follower, null)]);
            return 0;
        });

        Assert.Null(await WithCoordinatorAsync(coordinator => coordinator.Describe(Group)));
        Assert.Contains(_logger.Messages, m => m.Text.StartsWith("Loaded 0 consumer groups", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("unknown version")]
    [InlineData("trailing bytes")]
    public async Task Load_AnUnreadableRecord_TheGroupStartsEmpty_AWarningNamesIt_AndTheRecordIsRemoved(string damage)
    {
        await WithCoordinatorAsync(TwoStable);
        await using (var log = OpenLog())
        {
            using var topic = StateTopic.Open(log, GroupStore.TopicName, TimeProvider.System);
            Assert.True(topic.TryGet(Group, out var record));
            var damaged = damage switch
            {
                "truncated" => record[..(record.Length / 2)],
                "unknown version" => [0x7f, .. record[1..]],
                _ => [.. record, 0],
            };
            await topic.SetAsync(Group, damaged, TestContext.Current.CancellationToken);

            // The same record under another name: a record does not name its group, its key does.
            await topic.SetAsync("other-group", record, TestContext.Current.CancellationToken);
        }

        await WithCoordinatorAsync(coordinator =>
        {
            Assert.Null(coordinator.Describe(Group));
            Assert.Equal("Stable", coordinator.Describe("other-group")!.GroupState);

            // The group is there for members to join afresh.
            var required = coordinator.JoinAsync(JoinRequest(""), 5, "c", "/10.0.0.3");
            Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)required.Result.ErrorCode);
            return 0;
        });

        var warning = Assert.Single(_logger.Messages, m => m.Level == LogLevel.Warning);
        Assert.StartsWith($"Group {Group} was not loaded", warning.Text, StringComparison.Ordinal);
        await using var reopened = OpenLog();
        using var groups = StateTopic.Open(reopened, GroupStore.TopicName, TimeProvider.System);
        Assert.False(groups.TryGet(Group, out _));
    }

    /// <summary>Runs <paramref name="act"/> on a coordinator over a freshly opened log and group store, then stops both
    /// as the server does: the coordinator, then the store (its queued records written), then the log.</summary>
    private async Task<T> WithCoordinatorAsync<T>(Func<GroupCoordinator, T> act)
    {
        await using var log = OpenLog();
        var store = GroupStore.Open(log, _logger)!;
        T result;
        using (var coordinator = new GroupCoordinator(Options(), _logger, store))
        {
            coordinator.Load();
            result = act(coordinator);
        }

        await store.DisposeAsync();
        return result;
    }

    private EmbeddedLog OpenLog()
    {
        var options = new EmbeddedLogOptions();
        options.Topics[GroupStore.TopicName] = StateTopic.Options;
        return EmbeddedLog.Open(_directory, options);
    }

    private HeraldServerOptions Options() => new()
    {
        DataDirectory = _directory,
        GroupInitialRebalanceDelay = TimeSpan.Zero,
        GroupMinSessionTimeout = TimeSpan.FromSeconds(1),
        Log = new EmbeddedLogOptions { TimeProvider = _time },
    };

    /// <summary>Two members, a leader and a follower on another host, stable at generation 2 with an assignment each.</summary>
    private static (string Leader, string Follower) TwoStable(GroupCoordinator coordinator)
    {
        var leader = Join(coordinator, "a", "/10.0.0.1").Result.MemberId;
        coordinator.SyncAsync(new SyncGroupRequest { GroupId = Group, MemberId = leader, GenerationId = 1 });
        var second = Join(coordinator, "b", "/10.0.0.2");
        coordinator.JoinAsync(JoinRequest(leader), 5, "a", "/10.0.0.1");
        var follower = second.Result.MemberId;
        var followerSync = coordinator.SyncAsync(new SyncGroupRequest { GroupId = Group, MemberId = follower, GenerationId = 2 });
        var leaderSync = coordinator.SyncAsync(new SyncGroupRequest
        {
            GroupId = Group,
            MemberId = leader,
            GenerationId = 2,
            Assignments = [Assignment(leader, "to-a"), Assignment(follower, "to-b")],
        });
        Assert.Equal("to-a", Encoding.UTF8.GetString(leaderSync.Result.Assignment.Span));
        Assert.Equal("to-b", Encoding.UTF8.GetString(followerSync.Result.Assignment.Span));
        return (leader, follower);
    }

    private static Task<JoinGroupResponse> Join(GroupCoordinator coordinator, string clientId, string host)
    {
        var required = coordinator.JoinAsync(JoinRequest(""), 5, clientId, host).Result;
        Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)required.ErrorCode);
        return coordinator.JoinAsync(JoinRequest(required.MemberId), 5, clientId, host);
    }

    private static SyncGroupRequest.SyncGroupRequestAssignment Assignment(string memberId, string assignment) =>
        new() { MemberId = memberId, Assignment = Encoding.UTF8.GetBytes(assignment) };

    private static ErrorCode Heartbeat(GroupCoordinator coordinator, string memberId, int generation) =>
        coordinator.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = memberId, GenerationId = generation });

    private static JoinGroupRequest JoinRequest(string memberId) => new()
    {
        GroupId = Group,
        MemberId = memberId,
        SessionTimeoutMs = (int)Session.TotalMilliseconds,
        RebalanceTimeoutMs = 30_000,
        ProtocolType = "consumer",
        Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = "range-metadata"u8.ToArray() }],
    };
}
