namespace Herald.Hosting;

/// <summary>Registers one event type, overriding or standing in for its <see cref="Events.EventAttribute"/>.</summary>
/// <typeparam name="TEvent">The event record.</typeparam>
public sealed class EventRegistration<TEvent>
    where TEvent : notnull
{
    /// <summary>Gets or sets the stable event name. Default: from <see cref="Events.EventAttribute"/>.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the schema version. Default: from the attribute, else 1.</summary>
    public int? Version { get; set; }

    /// <summary>Gets or sets the topic. Default: from the attribute, else the event name.</summary>
    public string? Topic { get; set; }

    internal Func<object, string?>? KeySelector { get; private set; }

    /// <summary>Derives the partition key of every publish of this type that does not set one.</summary>
    public EventRegistration<TEvent> PartitionKey(Func<TEvent, string?> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        KeySelector = e => selector((TEvent)e);
        return this;
    }
}
