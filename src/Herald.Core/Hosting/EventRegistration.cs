namespace Herald.Hosting;

/// <summary>Registers one event type, overriding or standing in for its <see cref="Events.EventAttribute"/>.</summary>
/// <typeparam name="TEvent">The event record.</typeparam>
public sealed class EventRegistration<TEvent>
    where TEvent : notnull
{
    private Func<object, string?>? _partitionKey;
    private Func<object, long>? _sequence;
    private bool _sequencePerKey;

    /// <summary>Gets or sets the stable event name. Default: from <see cref="Events.EventAttribute"/>.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the schema version. Default: from the attribute, else 1.</summary>
    public int? Version { get; set; }

    /// <summary>Gets or sets the topic. Default: from the attribute, else the event name.</summary>
    public string? Topic { get; set; }

    /// <summary>Gets the partition-key and sequence selectors.</summary>
    internal EventRegistrationEntry.EventSelectors? Selectors =>
        _partitionKey is null && _sequence is null && !_sequencePerKey ? null : new(_partitionKey, _sequence, _sequencePerKey);

    /// <summary>Derives the partition key of every publish of this type that does not set one.</summary>
    public EventRegistration<TEvent> PartitionKey(Func<TEvent, string?> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        _partitionKey = e => selector((TEvent)e);
        return this;
    }

    /// <summary>Takes the per-entity sequence number of every publish of this type that does not set one from the event, such as the entity's revision.</summary>
    /// <remarks>
    /// Consumers with a reorder buffer handle a key's events in this order, drop repeats of a number and wait for
    /// missing numbers, so the value must grow by exactly 1 per event of the key: an entity version persisted with the
    /// change it describes is the robust source. <see cref="Publishing.PublishOptions.Sequence"/> wins over it.
    /// </remarks>
    public EventRegistration<TEvent> Sequence(Func<TEvent, long> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        _sequence = e => selector((TEvent)e);
        return this;
    }

    /// <summary>Numbers the events of this type 1, 2, 3, … per topic and partition key, in the transaction that publishes them.</summary>
    /// <remarks>
    /// The counter lives in the outbox's database and moves in the publishing transaction: a rolled-back publish
    /// leaves no gap, several instances never share a number, and a restart continues where the database is. So the
    /// events must be published through the transactional outbox (<see cref="Outbox.IOutboxPublisher"/> or
    /// EF Core's <c>PublishEvent</c>), with a partition key; <see cref="Publishing.IEventPublisher"/> refuses them
    /// unless <see cref="Publishing.PublishOptions.Sequence"/> is given.
    /// </remarks>
    public EventRegistration<TEvent> SequencePerKey()
    {
        _sequencePerKey = true;
        return this;
    }
}
