namespace Herald.Consuming.Ordering;

/// <summary>A run of sequence numbers of one key that a <see cref="ReorderBuffer{T}"/> stopped waiting for.</summary>
/// <param name="Key">The entity key.</param>
/// <param name="First">The first missing sequence number.</param>
/// <param name="Last">The last missing sequence number, at least <paramref name="First"/>.</param>
internal readonly record struct SequenceGap(string Key, long First, long Last)
{
    /// <summary>Gets how many sequence numbers the gap spans.</summary>
    public long Count => Last - First + 1;
}
