namespace Herald.Consuming.Ordering;

/// <summary>What a call on a <see cref="ReorderBuffer{T}"/> hands back: items to handle, items to dead-letter, gaps given up.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// Items of one key appear in sequence order; items of different keys may interleave. Handle <see cref="Released"/>
/// in list order, dead-letter <see cref="Expired"/>, and log <see cref="Gaps"/>.
/// </remarks>
internal sealed class ReorderResult<T>
{
    private List<SequencedItem<T>>? _released;
    private List<SequencedItem<T>>? _expired;
    private List<SequenceGap>? _gaps;

    internal ReorderResult(ReorderDisposition disposition) => Disposition = disposition;

    /// <summary>Gets what happened to the offered item; <see cref="ReorderDisposition.None"/> for <see cref="ReorderBuffer{T}.Expire"/>.</summary>
    public ReorderDisposition Disposition { get; internal set; }

    /// <summary>Gets the items to handle now, in order per key: the offered item if it was next, its buffered successors, and runs whose gap was skipped.</summary>
    public IReadOnlyList<SequencedItem<T>> Released => _released ?? (IReadOnlyList<SequencedItem<T>>)[];

    /// <summary>Gets the items whose gap was given up under <see cref="GapTimeoutPolicy.DeadLetter"/>: dead-letter them, in order per key.</summary>
    public IReadOnlyList<SequencedItem<T>> Expired => _expired ?? (IReadOnlyList<SequencedItem<T>>)[];

    /// <summary>Gets the gaps given up by this call, for logging.</summary>
    public IReadOnlyList<SequenceGap> Gaps => _gaps ?? (IReadOnlyList<SequenceGap>)[];

    internal List<SequencedItem<T>> ReleasedList => _released ??= [];

    internal List<SequencedItem<T>> ExpiredList => _expired ??= [];

    internal void AddGap(SequenceGap gap) => (_gaps ??= []).Add(gap);
}
