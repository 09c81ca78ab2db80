using Herald.Diagnostics;
using Herald.Events;

namespace Herald.Publishing;

/// <summary>The events of one <see cref="IEventPublisher.PublishManyAsync{TEvent}"/> with their topics, envelopes and send observations.</summary>
internal sealed class PublishBatch<TEvent>(TEvent[] events) : IDisposable
    where TEvent : notnull
{
    public TEvent[] Events { get; } = events;

    public string[] Topics { get; } = new string[events.Length];

    public EventEnvelope[] Envelopes { get; } = new EventEnvelope[events.Length];

    public SendObservation[] Sends { get; } = new SendObservation[events.Length];

    /// <summary>Gets or sets how many send observations were started: those are the ones to complete and dispose.</summary>
    public int Started { get; set; }

    /// <summary>Groups the envelopes by topic, topics in the order they first appear, envelopes in batch order.</summary>
    public List<(string Topic, List<EventEnvelope> Envelopes)> ByTopic()
    {
        var parts = new List<(string Topic, List<EventEnvelope> Envelopes)>();
        for (var i = 0; i < Envelopes.Length; i++)
        {
            var part = parts.FindIndex(p => p.Topic == Topics[i]);
            if (part < 0)
            {
                parts.Add((Topics[i], []));
                part = parts.Count - 1;
            }

            parts[part].Envelopes.Add(Envelopes[i]);
        }

        return parts;
    }

    /// <summary>Records each send's outcome: <paramref name="failureOf"/> returns its topic's failure, or <see langword="null"/> when the topic was accepted.</summary>
    public void Complete(Func<string, Exception?> failureOf)
    {
        for (var i = 0; i < Started; i++)
        {
            Sends[i].Complete(failureOf(Topics[i]));
        }
    }

    /// <summary>Ends the send spans that were started.</summary>
    public void Dispose()
    {
        for (var i = 0; i < Started; i++)
        {
            Sends[i].Dispose();
        }
    }
}
