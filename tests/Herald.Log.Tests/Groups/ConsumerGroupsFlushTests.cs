using System.Diagnostics;
using Herald.Log.Groups;

namespace Herald.Log.Tests.Groups;

public sealed class ConsumerGroupsFlushTests : IDisposable
{
    private const string Topic = "orders";
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-groups-flush-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Flush_RacingOtherFlushes_ReturnsWithEveryEarlierCommitOnDiskAndNeverGoesBack()
    {
        const int Committers = 2;
        const int Flushers = 2;
        const int CommitsEach = 400;
        var token = TestContext.Current.CancellationToken;
        using var log = EmbeddedLog.Open(_directory);
        var groupsDirectory = Path.Combine(_directory, CommittedOffsetStore.DirectoryName);
        var members = Enumerable.Range(0, Committers).Select(c => log.Groups.Join(Topic, $"group-{c}")).ToArray();
        var committing = Committers;

        var committers = members.Select(member => Run(() =>
        {
            var (stale, wentBack, previous) = (0, 0, -1L);
            try
            {
                for (var offset = 1L; offset <= CommitsEach; offset++)
                {
                    member.Commit(0, offset);
                    log.Groups.Flush();
                    var onDisk = OnDisk(groupsDirectory, member.Group);
                    stale += onDisk < offset ? 1 : 0;
                    wentBack += onDisk < previous ? 1 : 0;
                    previous = onDisk;
                }
            }
            finally
            {
                Interlocked.Decrement(ref committing);
            }

            return (stale, wentBack);
        }, token));
        var flushers = Enumerable.Range(0, Flushers).Select(_ => Run(() =>
        {
            var wentBack = 0;
            var seen = new long[Committers];
            Array.Fill(seen, -1);
            while (Volatile.Read(ref committing) > 0)
            {
                log.Groups.Flush();
                for (var c = 0; c < Committers; c++)
                {
                    var onDisk = OnDisk(groupsDirectory, members[c].Group);
                    wentBack += onDisk < seen[c] ? 1 : 0;
                    seen[c] = onDisk;
                }
            }

            return (0, wentBack);
        }, token));

        var counts = await Task.WhenAll(committers.Concat(flushers));
        foreach (var member in members)
        {
            member.Dispose();
        }

        var (stale, wentBack) = (counts.Sum(c => c.Stale), counts.Sum(c => c.WentBack));
        Assert.True(
            stale == 0 && wentBack == 0,
            $"{stale} of {Committers * CommitsEach} flushes returned before their commit was on disk; the offset on disk went back {wentBack} times.");
    }

    [Fact]
    public async Task Dispose_WhileTheTimerFlushes_LeavesTheLastCommitOnDisk()
    {
        const int Trials = 50;
        const long LastOffset = 200;
        var random = new Random(20);
        var lost = new List<string>();
        var time = new BusyFlushTimeProvider();
        var log = EmbeddedLog.Open(_directory, Options(time));
        try
        {
            for (var trial = 0; trial < Trials; trial++)
            {
                var member = log.Groups.Join(Topic, $"group-{trial}");

                // Odd trials commit the second half while the timer writes the first; even ones leave it the last commit to write.
                var beforeTimer = trial % 2 == 0 ? LastOffset : LastOffset / 2;
                for (var offset = 1L; offset <= beforeTimer; offset++)
                {
                    member.Commit(0, offset);
                }

                time.Start();
                while (time.Ticks == 0)
                {
                    Thread.SpinWait(10);
                }

                for (var offset = beforeTimer + 1; offset <= LastOffset; offset++)
                {
                    member.Commit(0, offset);
                }

                // Sweeps the moment of the dispose across the timer's snapshots and writes.
                var until = Stopwatch.GetTimestamp() + random.NextInt64(Stopwatch.Frequency / 3000);
                while (Stopwatch.GetTimestamp() < until)
                {
                }

                log.Dispose();
                var onDisk = OnDisk(Path.Combine(_directory, CommittedOffsetStore.DirectoryName), member.Group);
                member.Dispose();
                var stopped = time.StoppedAsync();

                // The reopened log is the next trial's.
                time = new BusyFlushTimeProvider();
                log = EmbeddedLog.Open(_directory, Options(time));
                var committed = log.Groups.GetCommittedOffset(member.Group, Topic, 0);
                if (onDisk != LastOffset || committed != LastOffset)
                {
                    lost.Add($"trial {trial}: {onDisk} on disk after Dispose, {committed} after reopening");
                }

                await stopped;
            }
        }
        finally
        {
            log.Dispose();
        }

        Assert.True(lost.Count == 0, $"{lost.Count} of {Trials} trials lost the last commit ({LastOffset}): {string.Join("; ", lost)}");

        static EmbeddedLogOptions Options(TimeProvider time) => new() { TimeProvider = time, DefaultTopic = { Partitions = 1 } };
    }

    private static Task<(int Stale, int WentBack)> Run(Func<(int Stale, int WentBack)> body, CancellationToken token) =>
        Task.Factory.StartNew(body, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Read straight from the file, not through a store: opening a store deletes temporary files the live one is writing.
    private static long OnDisk(string directory, string group)
    {
        var path = Path.Combine(directory, CommittedOffsetFile.Stem(group) + CommittedOffsetFile.Extension);
        try
        {
            return CommittedOffsetFile.Parse(path, File.ReadAllBytes(path)).GetValueOrDefault((Topic, 0), -1);
        }
        catch (FileNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Once started, runs the consumer groups' flush timer back to back on a thread of its own, so a timer flush is
    /// nearly always under way; other timers are the system's.
    /// </summary>
    private sealed class BusyFlushTimeProvider : TimeProvider
    {
        private readonly List<BusyTimer> _timers = [];
        private int _ticks;

        public int Ticks => Volatile.Read(ref _ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (period != ConsumerGroups.CommitInterval)
            {
                return base.CreateTimer(callback, state, dueTime, period);
            }

            var timer = new BusyTimer(() =>
            {
                Interlocked.Increment(ref _ticks);
                callback(state);
            });
            lock (_timers)
            {
                _timers.Add(timer);
            }

            return timer;
        }

        public void Start()
        {
            lock (_timers)
            {
                _timers.ForEach(timer => timer.Start());
            }
        }

        public Task StoppedAsync()
        {
            lock (_timers)
            {
                return Task.WhenAll(_timers.Select(timer => timer.Ticking));
            }
        }
    }

    private sealed class BusyTimer(Action tick) : ITimer
    {
        private volatile bool _disposed;

        public Task Ticking { get; private set; } = Task.CompletedTask;

        public void Start() =>
            Ticking = Task.Factory.StartNew(
                () =>
                {
                    while (!_disposed)
                    {
                        tick();
                        Thread.Yield();
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

        public bool Change(TimeSpan dueTime, TimeSpan period) => !_disposed;

        // Like the system's timers, stopping does not wait for a tick that is running.
        public void Dispose() => _disposed = true;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
