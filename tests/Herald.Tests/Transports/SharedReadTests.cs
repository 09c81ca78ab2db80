using Herald.Transports;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports;

/// <summary>One read per interval, however many callers: what keeps a scrape storm from listing the dead letters again and again.</summary>
public sealed class SharedReadTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GetAsync_ConcurrentAndBackToBackCallsWithinTheInterval_ReadOnce()
    {
        var (time, reads, gate) = (new FakeTimeProvider(), 0, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var cached = new SharedRead<int>(async () => { var n = Interlocked.Increment(ref reads); await gate.Task; return n; }, time, Interval);

        var concurrent = Enumerable.Range(0, 20).Select(_ => cached.GetAsync(TestContext.Current.CancellationToken)).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(concurrent);
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 20; i++)
        {
            results = [.. results, await cached.GetAsync(TestContext.Current.CancellationToken)];
        }

        Assert.Equal(1, reads);
        Assert.All(results, r => Assert.Equal(1, r));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await cached.GetAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetAsync_AfterAFailedRead_ReadsAgain()
    {
        var reads = 0;
        var cached = new SharedRead<int>(() => ++reads == 1 ? Task.FromException<int>(new TimeoutException("server away")) : Task.FromResult(reads), new FakeTimeProvider(), Interval);

        await Assert.ThrowsAsync<TimeoutException>(() => cached.GetAsync(TestContext.Current.CancellationToken));

        Assert.Equal(2, await cached.GetAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetAsync_AfterInvalidate_ReadsAgainWithinTheInterval()
    {
        var reads = 0;
        var cached = new SharedRead<int>(() => Task.FromResult(++reads), new FakeTimeProvider(), Interval);
        await cached.GetAsync(TestContext.Current.CancellationToken);

        cached.Invalidate();

        Assert.Equal(2, await cached.GetAsync(TestContext.Current.CancellationToken));
    }
}
