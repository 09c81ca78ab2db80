using System.Diagnostics;

namespace Herald.Consuming.Ordering;

/// <summary>One key's state in a <see cref="ReorderBuffer{T}"/>: its position, its waiting items and the gaps it gave up.</summary>
internal sealed class ReorderKey<T>(string key, long last)
{
    // Enough to recognise the late arrivals of recent gaps; older ones are reported as duplicates (bounded memory).
    private const int MaxSkippedRanges = 16;

    private readonly SortedDictionary<long, (T Item, DateTimeOffset ArrivedAt)> _waiting = [];
    private List<(long First, long Last)>? _skipped;

    public string Key => key;

    /// <summary>Gets or sets the last released (or given up) sequence number.</summary>
    public long Last { get; set; } = last;

    /// <summary>Gets the arrival of the longest-waiting item; meaningful while <see cref="Count"/> is above 0.</summary>
    public DateTimeOffset OldestArrival { get; private set; }

    public int Count => _waiting.Count;

    public bool IsWaiting(long sequence) => _waiting.ContainsKey(sequence);

    public long FirstWaiting()
    {
        Debug.Assert(Count > 0, "Only a key with waiting items has a first one.");
        foreach (var sequence in _waiting.Keys)
        {
            return sequence;
        }

        throw new UnreachableException();
    }

    public void Add(long sequence, T item, DateTimeOffset now)
    {
        Debug.Assert(sequence > Last + 1, "Only an item with a gap before it waits.");
        _waiting.Add(sequence, (item, now));
        if (Count == 1 || now < OldestArrival)
        {
            OldestArrival = now;
        }
    }

    /// <summary>Moves the items that follow <see cref="Last"/> without a gap to <paramref name="target"/>; returns how many.</summary>
    public int TakeRun(List<SequencedItem<T>> target)
    {
        var taken = 0;
        while (Last < long.MaxValue && _waiting.Remove(Last + 1, out var entry))
        {
            Last++;
            target.Add(new(key, Last, entry.Item));
            taken++;
        }

        if (taken > 0 && Count > 0)
        {
            OldestArrival = DateTimeOffset.MaxValue;
            foreach (var (_, arrivedAt) in _waiting.Values)
            {
                OldestArrival = arrivedAt < OldestArrival ? arrivedAt : OldestArrival;
            }
        }

        return taken;
    }

    /// <summary>Empties the key, returning its waiting items in sequence order.</summary>
    public List<SequencedItem<T>> TakeAll()
    {
        var items = _waiting.Select(w => new SequencedItem<T>(key, w.Key, w.Value.Item)).ToList();
        _waiting.Clear();
        return items;
    }

    public void RecordSkipped(long first, long last)
    {
        _skipped ??= [];
        _skipped.Add((first, last));
        Trim();
    }

    /// <summary>Says whether <paramref name="sequence"/> was given up as part of a gap, and forgets it so that a second copy is a duplicate.</summary>
    public bool TryTakeSkipped(long sequence)
    {
        var index = _skipped?.FindIndex(r => r.First <= sequence && sequence <= r.Last) ?? -1;
        if (index < 0)
        {
            return false;
        }

        var (first, last) = _skipped![index];
        _skipped.RemoveAt(index);
        if (sequence < last)
        {
            _skipped.Insert(index, (sequence + 1, last));
        }

        if (first < sequence)
        {
            _skipped.Insert(index, (first, sequence - 1));
        }

        Trim();
        return true;
    }

    private void Trim()
    {
        if (_skipped!.Count > MaxSkippedRanges)
        {
            _skipped.RemoveRange(0, _skipped.Count - MaxSkippedRanges);
        }
    }

    /// <summary>Forgets the given-up sequence numbers above <paramref name="last"/>: after a rewind they are expected again.</summary>
    public void ForgetSkippedAbove(long last)
    {
        _skipped?.RemoveAll(r => r.First > last);
        if (_skipped?.FindIndex(r => r.Last > last) is >= 0 and var index)
        {
            _skipped[index] = (_skipped[index].First, last);
        }
    }
}
