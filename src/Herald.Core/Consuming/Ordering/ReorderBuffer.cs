using System.Diagnostics;

namespace Herald.Consuming.Ordering;

/// <summary>
/// Puts items of each key back into sequence order: releases an item once every smaller sequence number of its key
/// was released, drops duplicates, and gives up gaps that do not fill in time. Pure: no I/O, no clock, no timer.
/// </summary>
/// <typeparam name="T">The item, typically a transport delivery.</typeparam>
/// <remarks>
/// <para>
/// Not thread-safe: one instance per consumer member, called from its loop only (drive <see cref="Expire"/> from that
/// loop too). Per key it keeps the last released sequence number, the <em>position</em>; persist it after handling the
/// released items (<see cref="GetPosition"/>) and give it back after a restart (<see cref="Restore"/>), or every key
/// starts over at <see cref="ReorderOptions.FirstSequence"/>.
/// </para>
/// <para>
/// A gap given up (gap timeout or cap) advances the position past it. The given-up sequence numbers of a key's 16 most
/// recent gaps are remembered, so a missing item that turns up afterwards is <see cref="ReorderDisposition.Late"/>
/// rather than a duplicate; older ones, and all of them after a restart, count as duplicates.
/// </para>
/// </remarks>
internal sealed class ReorderBuffer<T>
{
    private readonly TimeSpan _gapTimeout;
    private readonly GapTimeoutPolicy _policy;
    private readonly int _maxBuffered;
    private readonly int _maxBufferedPerKey;
    private readonly long? _firstSequence;
    private readonly Dictionary<string, ReorderKey<T>> _keys = new(StringComparer.Ordinal);

    // Keys with waiting items, oldest waiter first: the next deadline and the gap a full buffer gives up.
    // A key's OldestArrival orders it here, so it is taken out before that changes and put back after.
    private readonly SortedSet<ReorderKey<T>> _waiting = new(Comparer<ReorderKey<T>>.Create(static (a, b) =>
        a.OldestArrival != b.OldestArrival ? a.OldestArrival.CompareTo(b.OldestArrival) : string.CompareOrdinal(a.Key, b.Key)));

    /// <summary>Creates an empty buffer.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> are out of range; the message names the option.</exception>
    public ReorderBuffer(ReorderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException($"Reorder.{problem}", nameof(options));
        }

        (_gapTimeout, _policy, _maxBuffered, _maxBufferedPerKey, _firstSequence) =
            (options.GapTimeout, options.OnGapTimeout, options.MaxBuffered, options.MaxBufferedPerKey, options.FirstSequence);
    }

    /// <summary>Gets how many items wait for a gap to fill, over all keys.</summary>
    public int Buffered { get; private set; }

    /// <summary>Gets how many keys have a position.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>Gets how many offered items were dropped as duplicates.</summary>
    public long DuplicatesDropped { get; private set; }

    /// <summary>Gets how many sequence numbers were given up in gaps.</summary>
    public long SequencesSkipped { get; private set; }

    /// <summary>Gets how many items were handed back as expired (<see cref="GapTimeoutPolicy.DeadLetter"/>).</summary>
    public long ItemsExpired { get; private set; }

    /// <summary>Gets how many offered items arrived after their sequence number was given up.</summary>
    public long LateArrivals { get; private set; }

    /// <summary>Gets how many offered items were refused because a cap was reached under <see cref="GapTimeoutPolicy.KeepWaiting"/>.</summary>
    public long Rejections { get; private set; }

    /// <summary>Gets when the oldest gap times out; call <see cref="Expire"/> then. <see langword="null"/> when nothing waits or under <see cref="GapTimeoutPolicy.KeepWaiting"/>.</summary>
    public DateTimeOffset? NextDeadline =>
        _policy == GapTimeoutPolicy.KeepWaiting || _waiting.Min is not { } oldest ? null : oldest.OldestArrival + _gapTimeout;

    /// <summary>Offers an item; returns the items now to handle, in order, and what became of the offered one.</summary>
    /// <param name="key">The entity key (the envelope's partition key).</param>
    /// <param name="sequence">The item's sequence number, at least 0.</param>
    /// <param name="item">The item.</param>
    /// <param name="now">The current time; an item that has to wait times out <see cref="ReorderOptions.GapTimeout"/> after it.</param>
    public ReorderResult<T> Offer(string key, long sequence, T item, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        if (!_keys.TryGetValue(key, out var state))
        {
            _keys[key] = state = new ReorderKey<T>(key, (_firstSequence ?? sequence) - 1);
        }

        if (sequence <= state.Last || state.IsWaiting(sequence))
        {
            if (sequence <= state.Last && state.TryTakeSkipped(sequence))
            {
                LateArrivals++;
                return new(ReorderDisposition.Late);
            }

            DuplicatesDropped++;
            return new(ReorderDisposition.Duplicate);
        }

        if (sequence == state.Last + 1)
        {
            // The common case: in order. The item goes out with any successors that were waiting for it.
            var released = new ReorderResult<T>(ReorderDisposition.Released);
            state.Last = sequence;
            released.ReleasedList.Add(new(key, sequence, item));
            if (state.Count > 0)
            {
                Change(state, () => Buffered -= state.TakeRun(released.ReleasedList));
            }

            return released;
        }

        return Wait(state, sequence, item, now);
    }

    /// <summary>Gives up every gap whose oldest waiting item has waited <see cref="ReorderOptions.GapTimeout"/> by <paramref name="now"/>, under <see cref="ReorderOptions.OnGapTimeout"/>.</summary>
    /// <returns>The items released or expired; empty under <see cref="GapTimeoutPolicy.KeepWaiting"/>.</returns>
    public ReorderResult<T> Expire(DateTimeOffset now)
    {
        var result = new ReorderResult<T>(ReorderDisposition.None);
        while (NextDeadline is { } deadline && deadline <= now)
        {
            GiveUpFirstGap(_waiting.Min!, result);
        }

        return result;
    }

    /// <summary>Gets how many items of <paramref name="key"/> wait for a gap to fill; 0 for a key the buffer has not seen.</summary>
    public int BufferedFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var state) ? state.Count : 0;
    }

    /// <summary>Gets the last released (or given up) sequence number of <paramref name="key"/>, or <see langword="null"/> if the buffer has not seen it.</summary>
    public long? GetPosition(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var state) ? state.Last : null;
    }

    /// <summary>Sets the last released sequence number of <paramref name="key"/>: a persisted position, or a rewind after a released item failed.</summary>
    /// <remarks>
    /// Call it before the key's first <see cref="Offer"/> after a start, and when a released item goes back to the
    /// transport: <c>Restore(key, failedSequence - 1)</c>, so that its redelivery is not a duplicate. Items of the key
    /// that wait stay waiting.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="last"/> is below −1, or reaches the key's waiting items (it must stay below the first of them minus one).</exception>
    public void Restore(string key, long last)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, -1);
        if (!_keys.TryGetValue(key, out var state))
        {
            _keys[key] = new ReorderKey<T>(key, last);
            return;
        }

        if (state.Count > 0 && last >= state.FirstWaiting() - 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(last), last, $"Key '{key}' has items waiting from sequence {state.FirstWaiting()}; a position must leave a gap before them. Forget the key first.");
        }

        state.Last = last;
        state.ForgetSkippedAbove(last);
    }

    /// <summary>Forgets <paramref name="key"/>: its position and its waiting items, which it returns in sequence order (for a key whose partition was revoked).</summary>
    public IReadOnlyList<SequencedItem<T>> Forget(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_keys.Remove(key, out var state))
        {
            return [];
        }

        _waiting.Remove(state);
        Buffered -= state.Count;
        return state.TakeAll();
    }

    private ReorderResult<T> Wait(ReorderKey<T> state, long sequence, T item, DateTimeOffset now)
    {
        if (_policy == GapTimeoutPolicy.KeepWaiting && (Buffered >= _maxBuffered || state.Count >= _maxBufferedPerKey))
        {
            // Giving up a gap would break the policy: refuse, and let the caller offer the item again later.
            Rejections++;
            return new(ReorderDisposition.Rejected);
        }

        Change(state, () => state.Add(sequence, item, now));
        Buffered++;
        var result = new ReorderResult<T>(ReorderDisposition.Buffered);
        while (state.Count > _maxBufferedPerKey)
        {
            GiveUpFirstGap(state, result);
        }

        while (Buffered > _maxBuffered)
        {
            GiveUpFirstGap(_waiting.Min!, result);
        }

        if (!state.IsWaiting(sequence))
        {
            result.Disposition = _policy == GapTimeoutPolicy.DeadLetter ? ReorderDisposition.Expired : ReorderDisposition.Released;
        }

        return result;
    }

    /// <summary>Moves the key's position past its first gap and hands back the run after it, released or expired by policy.</summary>
    private void GiveUpFirstGap(ReorderKey<T> state, ReorderResult<T> result)
    {
        Debug.Assert(_policy != GapTimeoutPolicy.KeepWaiting && state.Count > 0, "Only a waiting key's gap is given up, and never while keeping waiting.");
        var first = state.FirstWaiting();
        var gap = new SequenceGap(state.Key, state.Last + 1, first - 1);
        result.AddGap(gap);
        state.RecordSkipped(gap.First, gap.Last);
        SequencesSkipped += gap.Count;
        var target = _policy == GapTimeoutPolicy.DeadLetter ? result.ExpiredList : result.ReleasedList;
        Change(state, () =>
        {
            state.Last = gap.Last;
            var taken = state.TakeRun(target);
            Buffered -= taken;
            ItemsExpired += _policy == GapTimeoutPolicy.DeadLetter ? taken : 0;
        });
    }

    /// <summary>Runs a change to <paramref name="state"/>'s waiting items, keeping <see cref="_waiting"/> ordered.</summary>
    private void Change(ReorderKey<T> state, Action change)
    {
        _waiting.Remove(state);
        change();
        if (state.Count > 0)
        {
            _waiting.Add(state);
        }
    }
}
