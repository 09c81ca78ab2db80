using System.Diagnostics.CodeAnalysis;

namespace Herald.Consuming;

/// <summary>A consumer group on one topic, with its handler per event name.</summary>
internal sealed class Subscription(string topic, string group, ConsumerGroupOptions options, IReadOnlyDictionary<string, HandlerBinding> handlers)
{
    public string Topic { get; } = topic;

    public string Group { get; } = group;

    public ConsumerGroupOptions Options { get; } = options;

    public IReadOnlyDictionary<string, HandlerBinding> Handlers { get; } = handlers;

    public bool TryGetHandler(string eventType, [NotNullWhen(true)] out HandlerBinding? binding) =>
        Handlers.TryGetValue(eventType, out binding);

    public override string ToString() => $"{Group} on {Topic}";
}
