using Herald.Diagnostics;
using Herald.Events;
using Herald.Hosting;
using Herald.Transports;

namespace Herald.Publishing;

/// <summary>Builds the envelope of a publish (<see cref="EnvelopeFactory"/>) and hands it to the transport.</summary>
internal sealed class EventPublisher(HeraldModel model, ITransport transport, ObserverSet observers, TimeProvider timeProvider) : IEventPublisher
{
    private readonly EnvelopeFactory _envelopes = new(model, timeProvider);

    public async ValueTask<EventEnvelope> PublishAsync<TEvent>(TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        var (topic, envelope) = _envelopes.Create(@event, options);
        await transport.SendAsync(topic, envelope, cancellationToken);
        observers.Published(envelope, @event);
        return envelope;
    }
}
