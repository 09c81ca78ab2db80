using System.Diagnostics;
using Herald.Events;

namespace Herald.Diagnostics;

/// <summary>Observes one send to the transport: the <c>send &lt;topic&gt;</c> producer span and the send instruments.</summary>
/// <remarks>A struct that holds nothing when nobody listens: starting and completing it then allocates nothing.</remarks>
internal readonly struct SendObservation : IDisposable
{
    private readonly HeraldMetrics? _metrics;
    private readonly string _topic;
    private readonly long _started;

    private SendObservation(HeraldMetrics? metrics, string topic, long started, Activity? activity)
    {
        _metrics = metrics;
        _topic = topic;
        _started = started;
        Activity = activity;
    }

    /// <summary>Gets the span, or <see langword="null"/> when it is not recorded.</summary>
    public Activity? Activity { get; }

    /// <summary>Starts observing a send to <paramref name="topic"/>; the span's parent is <paramref name="parent"/>, else <see cref="Activity.Current"/>.</summary>
    public static SendObservation Start(HeraldMetrics? metrics, string system, string topic, ActivityContext parent = default)
    {
        var activity = HeraldDiagnostics.Source.HasListeners()
            ? HeraldDiagnostics.Source.StartActivity(SpanNames.Send(topic), ActivityKind.Producer, parent)
            : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, system);
            activity.SetTag(MessagingAttributes.DestinationName, topic);
            activity.SetTag(MessagingAttributes.OperationName, MessagingAttributes.Send);
            activity.SetTag(MessagingAttributes.OperationType, MessagingAttributes.Send);
        }

        return new(metrics, topic, metrics?.SendStarted() ?? 0, activity);
    }

    /// <summary>Adds the event's id, correlation id and type to the span.</summary>
    public void Describe(EventEnvelope envelope)
    {
        if (Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(MessagingAttributes.MessageId, envelope.EventId);
            activity.SetTag(MessagingAttributes.ConversationId, envelope.CorrelationId);
            activity.SetTag(MessagingAttributes.EventType, envelope.EventType);
        }
    }

    /// <summary>Records the send's outcome: <paramref name="error"/> is <see langword="null"/> when the transport accepted the event.</summary>
    public void Complete(Exception? error)
    {
        _metrics?.Sent(_topic, _started, error);
        if (error is not null && Activity is { } activity)
        {
            TraceContext.Fail(activity, MessagingAttributes.ErrorTypeOf(error), error);
        }
    }

    public void Dispose() => Activity?.Dispose();
}
