namespace Shop.Storage;

/// <summary>The outbox rows the relay has not sent yet: per topic those it can send, and apart from them those held back
/// for a damaged partition (see <see cref="DamagedPartitionOutboxStore"/>).</summary>
internal sealed record OutboxBacklog(IReadOnlyDictionary<string, long> Unsent, long Held)
{
    public long UnsentTotal => Unsent.Values.Sum();
}
