using Herald.Hosting;
using Herald.Transports;

namespace Herald.Consuming.Ordering;

/// <summary>Where the consumer groups with a reorder buffer keep their sequence positions: the store the application
/// registered, else the transport's. Herald never substitutes process memory for a missing store.</summary>
internal sealed class ReorderPositions
{
    private readonly ISequencePositionStore? _store;

    /// <summary>Picks the store, or refuses when a group reorders and there is none.</summary>
    /// <exception cref="InvalidOperationException">A consumer group enables <see cref="ConsumerGroupOptions.Reorder"/>, no
    /// <see cref="ISequencePositionStore"/> is registered and the transport keeps no positions.</exception>
    public ReorderPositions(HeraldModel model, ITransport transport, ISequencePositionStore? registered)
    {
        _store = registered ?? transport.SequencePositions;
        var reordering = model.Subscriptions.Where(s => s.Options.Reorder is not null).ToList();
        if (_store is null && reordering.Count > 0)
        {
            var groups = string.Join(", ", reordering.Select(s => $"'{s.Group}' on topic '{s.Topic}'"));
            var subject = reordering.Count == 1 ? $"Consumer group {groups} enables" : $"Consumer groups {groups} enable";
            throw new InvalidOperationException(
                $"{subject} Reorder, but the transport {transport.GetType().Name} (messaging.system " +
                $"'{transport.MessagingSystem}') keeps no sequence positions, and Herald does not keep them in process memory: " +
                "after a restart the group would wait for sequence numbers it handled before or handle them again. Register a " +
                "durable ISequencePositionStore in the services (services.AddSingleton<ISequencePositionStore>(...)), use a " +
                "transport that keeps positions (the embedded log, NATS), or turn Reorder off.");
        }
    }

    /// <summary>Gets the store of a group with a reorder buffer.</summary>
    /// <exception cref="InvalidOperationException">There is none; the constructor refuses such a configuration.</exception>
    public ISequencePositionStore Store => _store ?? throw new InvalidOperationException("No sequence position store: no consumer group reorders.");
}
