using Herald.Transports;

namespace Herald.Consuming;

/// <summary>One competing member of a consumer group: its transport listener and its processor.</summary>
internal sealed class ConsumerMember(ITransportListener listener, DeliveryProcessor processor)
{
    public ITransportListener Listener { get; } = listener;

    public DeliveryProcessor Processor { get; } = processor;

    /// <summary>Gets the member's reusable batch buffer; only the member's own loop touches it.</summary>
    public List<TransportDelivery> Batch { get; } = new(processor.Subscription.Options.BatchSize);
}
