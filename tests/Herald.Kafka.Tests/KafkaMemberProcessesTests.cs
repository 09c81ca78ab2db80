using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Events;
using Herald.Transports;

namespace Herald.Kafka.Tests;

/// <summary>Herald applications on Herald.Kafka in processes of their own (Herald.Kafka.MemberChild), members of one
/// consumer group on herald serve, charging through the PostgreSQL inbox while a keyed stream is published: one member is
/// SIGKILLed and another added mid-stream.</summary>
public sealed class KafkaMemberProcessesTests(KafkaServer server)
{
    private const int Partitions = 12;
    private const int Keys = 200;
    // The event the members handle (StepTaken.Name in Herald.Kafka.MemberChild), its data in JSON's web defaults.
    private const string StepTaken = "members.step-taken";
    private static readonly TimeSpan StepInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task ThreeMembers_OneKilledAndOneAddedMidStream_EveryEventChargedOnceInKeyOrder_DuplicatesOnlyTheKilledMembersUncommittedWork()
    {
        var token = TestContext.Current.CancellationToken;
        await using var database = await ChargeDatabase.CreateAsync(token);
        var (topic, group) = (KafkaTestSupport.Unique("members"), KafkaTestSupport.Unique("billing"));
        await CreateTopicAsync(topic);
        var clock = Stopwatch.StartNew();
        var members = new List<MemberProcess>();
        try
        {
            members.AddRange(Enumerable.Range(1, 3).Select(i => MemberProcess.Start($"member-{i}", server.Bootstrap, topic, group, database.ConnectionString)));
            await UntilAsync(() => members.All(m => m.Owned.Length > 0) && Covers(members), TimeSpan.FromSeconds(60), "the three members never shared the partitions", members);
            var ready = clock.Elapsed;

            // The rebalances of the start moved no events: only those from here on count.
            var marks = members.ToDictionary(m => m.Name, m => m.GivenAwayCount);
            using var positions = new PositionWatch(server, group, topic);
            await using var publisher = new KafkaTransport(server.NewOptions());
            using var lastSteps = new CancellationTokenSource();
            var publishing = PublishAsync(publisher, topic, lastSteps.Token);

            // The kill lands mid-stream while the victim is handling: it has charged events, some of them past the offsets
            // its consumer last committed (every CommitInterval), and more keep coming. Until the kill its partitions were
            // its alone since the stream began, so its charges count the events handled in them.
            var victim = members[0];
            var orphaned = victim.Owned;
            await UntilAsync(
                async () => await ChargedByAsync(database, victim.Name) is var charged && charged >= 200 && charged - Committed(group, topic, orphaned) >= 10,
                TimeSpan.FromSeconds(60),
                "the victim never had 200 charges, 10 of them uncommitted",
                members);
            Assert.False(publishing.IsCompleted, "the stream ended before the kill");
            victim.Kill();
            var killed = clock.Elapsed;
            // Nobody commits the victim's partitions until the survivors have them: these are the positions they start at.
            var committedAtKill = Committed(group, topic, orphaned);
            var attemptedByVictim = await database.ScalarAsync($"SELECT count(*) FROM attempts WHERE member = '{victim.Name}'", token);

            // Its partitions move once its session runs out: assigned to the survivors, nothing revoked.
            var survivors = members[1..];
            await UntilAsync(() => Covers(survivors), SessionTimeout + TimeSpan.FromSeconds(30), "the survivors never took over the victim's partitions", members);
            var takenOver = clock.Elapsed;

            // Then a fourth member joins: cooperative-sticky revokes its share from the live members and assigns it in a
            // second round. The stream goes on through both rebalances and a few steps beyond.
            var added = MemberProcess.Start("member-4", server.Bootstrap, topic, group, database.ConnectionString);
            members.Add(added);
            marks[added.Name] = 0;
            var live = members[1..];
            await UntilAsync(() => added.Owned.Length > 0 && Covers(live), TimeSpan.FromSeconds(60), "the added member never got its share", members);
            var joined = clock.Elapsed;
            await lastSteps.CancelAsync();
            var published = await publishing;

            await DrainAsync(database, published.Ids.Count, members);
            var drained = clock.Elapsed;
            var regressions = await positions.StopAsync();
            var revoked = live.ToDictionary(m => m.Name, m => m.GivenAwaySince(marks[m.Name]));
            // One at a time, each leaving with its partitions committed.
            foreach (var member in live)
            {
                await member.StopAsync();
            }

            var stopped = clock.Elapsed;

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{published.Ids.Count} events ({Keys} keys x {published.Steps} steps); three members ready at {ready.TotalSeconds:0.0} s, " +
                $"the victim (partitions {string.Join(",", orphaned)}) killed at {killed.TotalSeconds:0.0} s, its partitions taken over at {takenOver.TotalSeconds:0.0} s, " +
                $"the fourth member sharing at {joined.TotalSeconds:0.0} s, every event charged at {drained.TotalSeconds:0.0} s, the members stopped at {stopped.TotalSeconds:0.0} s");
            await AssertChargedOnceInKeyOrderAsync(database, published, token);
            await AssertDuplicatesAsync(database, victim, orphaned, attemptedByVictim - committedAtKill, revoked, token);
            Assert.True(await ChargedByAsync(database, added.Name) > 0, "the added member charged nothing");
            Assert.True(regressions.Count == 0, $"the group's committed position moved back: {string.Join("; ", regressions)}");
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    // Every event charged exactly once (charges has no unique key: the inbox alone prevents a second row), each key's
    // charges in the order they committed are its steps in order, and every event was handled.
    private static async Task AssertChargedOnceInKeyOrderAsync(ChargeDatabase database, Published published, CancellationToken token)
    {
        var charges = await database.QueryAsync("SELECT event_id, key, sequence FROM charges ORDER BY id", r => (EventId: r.GetString(0), Key: r.GetString(1), Sequence: r.GetInt64(2)), token);
        Assert.Equal(published.Ids.Count, charges.Count);
        Assert.True(published.Ids.SetEquals(charges.Select(c => c.EventId)), "the charges are not the published events");
        foreach (var key in charges.GroupBy(c => c.Key))
        {
            Assert.Equal(Enumerable.Range(0, published.Steps).Select(s => (long)s), key.Select(c => c.Sequence));
        }

        Assert.Equal(published.Ids.Count, await database.ScalarAsync("SELECT count(DISTINCT event_id) FROM attempts", token));
    }

    // At-least-once, and no more. SIGKILL leaves the victim no revocation and no last commit: the survivors start its
    // partitions at the offsets committed when it died, so every event it handled past them comes again, once, and
    // nothing before them. A live member's partition revoked for the fourth member hands out nothing more, finishes
    // what it handed out and commits it before it moves (KafkaTransportOptions.RevocationTimeout), so none comes again
    // from there. The inbox keeps the victim's repeats to one charge each.
    private static async Task AssertDuplicatesAsync(ChargeDatabase database, MemberProcess victim, int[] orphaned, long victimsUncommitted, Dictionary<string, int[]> revoked, CancellationToken token)
    {
        var duplicated = await database.QueryAsync(
            "SELECT event_id, key, array_agg(member) FROM attempts GROUP BY event_id, key HAVING count(*) > 1",
            r => (EventId: r.GetString(0), Key: r.GetString(1), Members: r.GetFieldValue<string[]>(2)),
            token);
        var unexplained = duplicated
            .Where(d => d.Members.Length != 2 || !d.Members.Contains(victim.Name) || !orphaned.Contains(KeyPartitioner.Partition(d.Key, Partitions)))
            .Select(d => $"{d.EventId} (partition {KeyPartitioner.Partition(d.Key, Partitions)}) by {string.Join(", ", d.Members)}")
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{duplicated.Count} events handled twice, the victim having handled {victimsUncommitted} past its last commit; " +
            $"partitions revoked from live members mid-stream: {string.Join("; ", revoked.Select(r => $"{r.Key}: {string.Join(",", r.Value)}"))}");

        Assert.True(unexplained.Count == 0, $"handled again beyond the victim's uncommitted work: {string.Join("; ", unexplained.Take(20))}");
        Assert.Equal(victimsUncommitted, duplicated.Count);
        Assert.NotEmpty(revoked.Values.SelectMany(r => r));
    }

    /// <summary>Publishes every key's next step each <see cref="StepInterval"/> until <paramref name="last"/> is cancelled,
    /// then four steps more.</summary>
    private static async Task<Published> PublishAsync(KafkaTransport publisher, string topic, CancellationToken last)
    {
        await Task.Yield();
        var token = TestContext.Current.CancellationToken;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var (steps, after) = (0, 0);
        using var pace = new PeriodicTimer(StepInterval);
        while (after < 4)
        {
            var envelopes = Enumerable.Range(0, Keys).Select(k => Step($"key-{k:000}", steps)).ToList();
            await publisher.SendManyAsync(topic, envelopes, token);
            ids.UnionWith(envelopes.Select(e => e.EventId));
            steps++;
            after += last.IsCancellationRequested ? 1 : 0;
            await pace.WaitForNextTickAsync(token);
        }

        return new Published(ids, steps);
    }

    private static EventEnvelope Step(string key, int step) => new()
    {
        EventId = $"{key}-step-{step:000}",
        EventType = StepTaken,
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "/herald/kafka-tests",
        CorrelationId = key,
        PartitionKey = key,
        Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{step}}}"""),
    };

    private async Task CreateTopicAsync(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
    }

    private static async Task DrainAsync(ChargeDatabase database, int events, List<MemberProcess> members)
    {
        // Fails when charging stalls, not at a fixed time a loaded machine may not meet.
        var stall = TimeSpan.FromSeconds(30);
        var (charged, progressed) = (0L, Stopwatch.StartNew());
        while (charged < events)
        {
            var now = await database.ScalarAsync("SELECT count(DISTINCT event_id) FROM charges", TestContext.Current.CancellationToken);
            if (now > charged)
            {
                (charged, progressed) = (now, Stopwatch.StartNew());
            }

            Assert.False(members.Any(m => m.Died), $"a member exited: {Transcripts(members)}");
            Assert.True(progressed.Elapsed < stall, $"{charged} of {events} events charged, none for {stall.TotalSeconds:0} s; {Transcripts(members)}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static Task<long> ChargedByAsync(ChargeDatabase database, string member) =>
        database.ScalarAsync($"SELECT count(*) FROM charges WHERE member = '{member}'", TestContext.Current.CancellationToken);

    // The group's committed offsets of these partitions, summed: how many of their events (from offset 0) it has passed.
    private long Committed(string group, string topic, int[] partitions) => partitions.Sum(p => Math.Max(0, server.Server.Log.Groups.GetCommittedOffset(group, topic, p)));

    private static bool Covers(IEnumerable<MemberProcess> members)
    {
        var owned = members.SelectMany(m => m.Owned).ToList();
        return owned.Count == Partitions && owned.Distinct().Count() == Partitions;
    }

    private static string Transcripts(List<MemberProcess> members) => string.Join("\n", members.Select(m => m.Transcript));

    private static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string failure, List<MemberProcess> members) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure, members);

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure, List<MemberProcess> members)
    {
        // Processes on a real broker, which tell the test nothing but what they print: a short poll, bounded by the timeout.
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(members.Any(m => m.Died), $"a member exited: {Transcripts(members)}");
            Assert.True(waited.Elapsed < timeout, $"{failure} within {timeout.TotalSeconds:0} s; {Transcripts(members)}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed record Published(HashSet<string> Ids, int Steps);

    /// <summary>Samples the group's committed offsets in herald serve every 10 ms and notes any that moved back: a commit
    /// of an older position would hand events that were finished to the partition's next owner again.</summary>
    private sealed class PositionWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<List<string>> _watch;

        public PositionWatch(KafkaServer server, string group, string topic) => _watch = Task.Run(async () =>
        {
            var regressions = new List<string>();
            var last = Enumerable.Repeat(-1L, Partitions).ToArray();
            while (!_stop.IsCancellationRequested)
            {
                for (var p = 0; p < Partitions; p++)
                {
                    var committed = server.Server.Log.Groups.GetCommittedOffset(group, topic, p);
                    if (committed < last[p])
                    {
                        regressions.Add($"partition {p} from {last[p]} to {committed}");
                    }

                    last[p] = committed;
                }

                await Task.Delay(10, CancellationToken.None);
            }

            return regressions;
        });

        public async Task<List<string>> StopAsync()
        {
            await _stop.CancelAsync();
            return await _watch;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
