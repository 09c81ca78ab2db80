namespace Herald.Consuming.Ordering;

/// <summary>Says what <see cref="ReorderBuffer{T}.Offer"/> did with the offered item.</summary>
internal enum ReorderDisposition
{
    /// <summary>No item was offered: the result of <see cref="ReorderBuffer{T}.Expire"/>.</summary>
    None,

    /// <summary>The item is in <see cref="ReorderResult{T}.Released"/>: handle it now, in list order.</summary>
    Released,

    /// <summary>The item waits for its predecessors; a later call hands it back.</summary>
    Buffered,

    /// <summary>The item is in <see cref="ReorderResult{T}.Expired"/>: a buffer cap gave up its gap under <see cref="GapTimeoutPolicy.DeadLetter"/>.</summary>
    Expired,

    /// <summary>The item's sequence was released or is buffered already: settle it without handling it.</summary>
    Duplicate,

    /// <summary>The item's sequence was given up as a gap before it arrived: it was never handled, so dead-letter it.</summary>
    Late,

    /// <summary>A buffer cap is reached under <see cref="GapTimeoutPolicy.KeepWaiting"/>: the item was not kept; offer it again later.</summary>
    Rejected,
}
