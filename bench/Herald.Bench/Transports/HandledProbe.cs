using System.Diagnostics;

namespace Herald.Bench.Transports;

/// <summary>Counts the distinct events a consumer group handled and, in a paced run, each one's latency from its intended send time.</summary>
/// <remarks>Delivery is at-least-once: a redelivered event is handled again but counted once, so a run ends when every
/// event has been handled, not after a number of handler calls.</remarks>
internal sealed class HandledProbe(long events, double ticksPerEvent)
{
    private readonly int[] _seen = new int[events];
    private readonly long[] _latencyTicks = new long[ticksPerEvent > 0 ? events : 0];
    private readonly TaskCompletionSource _allHandled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _handled;
    private long _start;

    /// <summary>Marks now as the intended send time of event 0 (event <c>i</c> is due <c>i</c> intervals later) and returns it.</summary>
    public long Begin()
    {
        Volatile.Write(ref _start, Stopwatch.GetTimestamp());
        return _start;
    }

    public void Handled(long id)
    {
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Exchange(ref _seen[id], 1) != 0)
        {
            return;
        }

        if (_latencyTicks.Length > 0)
        {
            _latencyTicks[id] = now - (Volatile.Read(ref _start) + (long)(id * ticksPerEvent));
        }

        if (Interlocked.Increment(ref _handled) == _seen.Length)
        {
            _allHandled.TrySetResult();
        }
    }

    /// <summary>Waits until every event has been handled; throws when <paramref name="timeout"/> passes first.</summary>
    public async Task WaitAsync(TimeSpan timeout)
    {
        try
        {
            await _allHandled.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"handled {Interlocked.Read(ref _handled):N0} of {_seen.Length:N0} events within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Returns the latencies in milliseconds, sorted.</summary>
    public double[] LatenciesMilliseconds()
    {
        var sorted = _latencyTicks.Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        Array.Sort(sorted);
        return sorted;
    }
}
