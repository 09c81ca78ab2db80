namespace Herald.Consuming.Ordering;

/// <summary>An item that a <see cref="ReorderBuffer{T}"/> hands back, with its key and sequence number.</summary>
/// <typeparam name="T">The item, typically a transport delivery.</typeparam>
/// <param name="Key">The entity key (the partition key).</param>
/// <param name="Sequence">The item's sequence number within its key.</param>
/// <param name="Item">The item as offered.</param>
internal readonly record struct SequencedItem<T>(string Key, long Sequence, T Item);
