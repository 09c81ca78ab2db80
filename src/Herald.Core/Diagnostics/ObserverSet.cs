using Herald.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Diagnostics;

/// <summary>Calls every registered <see cref="IEventObserver"/>, isolating the pipeline from their failures, and carries Herald's instruments.</summary>
internal sealed class ObserverSet(IEnumerable<IEventObserver> observers, ILoggerFactory? loggerFactory = null, HeraldMetrics? metrics = null)
{
    private readonly IEventObserver[] _observers = observers.ToArray();
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Herald.Diagnostics");

    /// <summary>Gets the container's instruments; <see langword="null"/> when the set was built without them.</summary>
    public HeraldMetrics? Metrics => metrics;

    public void Published(EventEnvelope envelope, object @event) => Notify((o, s) => o.OnPublished(s.envelope, s.@event), (envelope, @event));

    public void Handled(EventEnvelope envelope, object @event, string group) => Notify((o, s) => o.OnHandled(s.envelope, s.@event, s.group), (envelope, @event, group));

    public void Failed(EventEnvelope envelope, string group, int attempt, Exception exception) =>
        Notify((o, s) => o.OnFailed(s.envelope, s.group, s.attempt, s.exception), (envelope, group, attempt, exception));

    public void Ignored(EventEnvelope envelope, string group) => Notify((o, s) => o.OnIgnored(s.envelope, s.group), (envelope, group));

    public void Duplicate(EventEnvelope envelope, string group)
    {
        metrics?.Duplicate(group);
        Notify((o, s) => o.OnDuplicate(s.envelope, s.group), (envelope, group));
    }

    public void DeadLettered(DeadLetters.DeadLetter letter)
    {
        metrics?.DeadLettered(letter);
        Notify((o, s) => o.OnDeadLettered(s), letter);
    }

    private void Notify<TState>(Action<IEventObserver, TState> call, TState state)
    {
        foreach (var observer in _observers)
        {
            try
            {
                call(observer, state);
            }
#pragma warning disable CA1031 // An observer is diagnostics: its failure must not fail a publish or a delivery.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogMessages.ObserverFailed(_logger, e, observer.GetType().Name);
            }
        }
    }
}
