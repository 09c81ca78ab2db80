namespace Herald.Hosting;

internal sealed record EventRegistrationEntry(Type Type, string? Name, int? Version, string? Topic, EventRegistrationEntry.EventSelectors? Selectors)
{
    /// <summary>The registration's selectors: partition key and sequence.</summary>
    internal sealed record EventSelectors(Func<object, string?>? PartitionKey, Func<object, long>? Sequence, bool SequencePerKey = false)
    {
        /// <summary>Combines two registrations of one type: each selector of <paramref name="later"/> wins over the one of <paramref name="earlier"/>.</summary>
        public static EventSelectors? Merge(EventSelectors? later, EventSelectors? earlier) =>
            later is null || earlier is null ? later ?? earlier : new(later.PartitionKey ?? earlier.PartitionKey, later.Sequence ?? earlier.Sequence, later.SequencePerKey || earlier.SequencePerKey);
    }
}
