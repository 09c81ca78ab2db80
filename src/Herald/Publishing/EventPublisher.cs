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
        ArgumentNullException.ThrowIfNull(@event);
        // Started before the envelope is built, so that its traceparent is the send span's: consumers become its children.
        using var send = SendObservation.Start(observers.Metrics, transport.MessagingSystem, model.Registry.Get(@event.GetType()).Topic);
        var (topic, envelope) = _envelopes.Create(@event, options);
        send.Describe(envelope);
        try
        {
            await transport.SendAsync(topic, envelope, cancellationToken);
        }
        catch (Exception e)
        {
            send.Complete(e);
            throw;
        }

        send.Complete(null);
        observers.Published(envelope, @event);
        return envelope;
    }
}
