using Herald.Transports;

namespace Herald.Consuming;

/// <summary>One competing member of a consumer group: its transport listener and its processor.</summary>
internal sealed class ConsumerMember(ITransportListener listener, DeliveryProcessor processor, KeyedProcessor? keyed = null)
{
    public ITransportListener Listener { get; } = listener;

    public DeliveryProcessor Processor { get; } = processor;

    /// <summary>Gets the member's key lanes when the group handles several keys at once or reorders by sequence; <see langword="null"/> when it handles one event at a time.</summary>
    public KeyedProcessor? Keyed { get; } = keyed;

    /// <summary>Takes what the transport has ready and handles it, with the member's processor.</summary>
    /// <returns>How many handling attempts ran; 0 when nothing was ready.</returns>
    public async ValueTask<int> ProcessAvailableAsync(CancellationToken stopping, CancellationToken abort)
    {
        Batch.Clear();
        if (Keyed is null)
        {
            return Listener.TryReceive(Batch, Batch.Capacity) > 0 ? await Processor.ProcessAsync(Listener, Batch, stopping, abort).ConfigureAwait(false) : 0;
        }

        if (Keyed.Room > 0)
        {
            Listener.TryReceive(Batch, Math.Min(Batch.Capacity, Keyed.Room));
        }

        return await Keyed.ProcessAsync(Listener, Batch, stopping, abort).ConfigureAwait(false);
    }

    /// <summary>Gets the member's reusable batch buffer; only the member's own loop touches it.</summary>
    public List<TransportDelivery> Batch { get; } = new(processor.Subscription.Options.BatchSize);
}
