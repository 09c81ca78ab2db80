using System.Diagnostics;
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
            await transport.SendAsync(topic, envelope, cancellationToken).ConfigureAwait(false);
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

    public async ValueTask<IReadOnlyList<EventEnvelope>> PublishManyAsync<TEvent>(IEnumerable<TEvent> events, Func<TEvent, PublishOptions?>? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(events);
        TEvent[] items = [.. events];
        if (items.Length == 0)
        {
            return [];
        }

        var missing = Array.FindIndex(items, e => e is null);
        if (missing >= 0)
        {
            throw new ArgumentException($"Event {missing} of the batch is null; nothing was published.", nameof(events));
        }

        using var batch = new PublishBatch<TEvent>(items);
        Build(batch, options);
        var parts = batch.ByTopic();
        var sends = new Task?[parts.Count];
        try
        {
            if (parts.Count == 1)
            {
                await transport.SendManyAsync(parts[0].Topic, parts[0].Envelopes, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The topics side by side; the first failing one's exception is thrown once all have settled.
                for (var i = 0; i < parts.Count; i++)
                {
                    sends[i] = transport.SendManyAsync(parts[i].Topic, parts[i].Envelopes, cancellationToken).AsTask();
                }

                await Task.WhenAll(sends!).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            batch.Complete(topic => Failure(topic, e));
            throw;
        }

        batch.Complete(_ => null);
        for (var i = 0; i < items.Length; i++)
        {
            observers.Published(batch.Envelopes[i], items[i]);
        }

        return batch.Envelopes;

        // A topic whose send completed was accepted; one that failed, or never started, failed.
        Exception? Failure(string topic, Exception error)
        {
            var part = parts.FindIndex(p => p.Topic == topic);
            return sends[part] switch
            {
                { IsCompletedSuccessfully: true } => null,
                { Exception: { } faulted } => faulted.InnerExceptions[0],
                _ => error,
            };
        }
    }

    // Each event gets the send span PublishAsync would give it, as a sibling under the caller's span rather than a child
    // of the previous event's: the current activity is put back after each envelope is built inside its own span.
    private void Build<TEvent>(PublishBatch<TEvent> batch, Func<TEvent, PublishOptions?>? options)
        where TEvent : notnull
    {
        var caller = Activity.Current;
        try
        {
            for (var i = 0; i < batch.Events.Length; i++)
            {
                var @event = batch.Events[i];
                batch.Sends[i] = SendObservation.Start(observers.Metrics, transport.MessagingSystem, model.Registry.Get(@event.GetType()).Topic);
                batch.Started = i + 1;
                var (topic, envelope) = _envelopes.Create(@event, options?.Invoke(@event));
                batch.Sends[i].Describe(envelope);
                batch.Topics[i] = topic;
                batch.Envelopes[i] = envelope;
                Activity.Current = caller;
            }
        }
        finally
        {
            Activity.Current = caller;
        }
    }
}
