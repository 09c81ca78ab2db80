using System.Diagnostics;
using System.Globalization;
using Herald.Consuming;
using Herald.Transports;
using Microsoft.Extensions.Logging;

namespace Herald.Diagnostics;

/// <summary>Observes one handling: the <c>process &lt;topic&gt;</c> consumer span, the consume instruments and the log scope.</summary>
internal readonly struct ProcessObservation : IDisposable
{
    private readonly ConsumerTelemetry? _telemetry;
    private readonly long _started;
    private readonly Activity? _activity;
    private readonly IDisposable? _scope;

    private ProcessObservation(ConsumerTelemetry? telemetry, long started, Activity? activity, IDisposable? scope)
    {
        _telemetry = telemetry;
        _started = started;
        _activity = activity;
        _scope = scope;
    }

    /// <summary>Tells whether anyone listens: a span, a consume instrument or the log. When not, the handling is not observed at all.</summary>
    public static bool IsWanted(ConsumerTelemetry? telemetry, ILogger logger) =>
        HeraldDiagnostics.Source.HasListeners() || telemetry is { Metrics.ConsumerEnabled: true } || logger.IsEnabled(LogLevel.Critical);

    /// <summary>Starts observing the handling of <paramref name="delivery"/>; call from the async method that awaits the handling,
    /// so that the span is <see cref="Activity.Current"/> for the handler (and parents its publishes) and no further.</summary>
    public static ProcessObservation Start(ConsumerTelemetry? telemetry, Subscription subscription, TransportDelivery delivery, ILogger logger)
    {
        var envelope = delivery.Envelope;
        var scope = logger.IsEnabled(LogLevel.Critical) ? logger.BeginScope(new HandlingLogScope(envelope, subscription.Group)) : null;
        Activity? activity = null;
        if (HeraldDiagnostics.Source.HasListeners())
        {
            var parent = TraceContext.Of(envelope);
            if (parent == default)
            {
                // No producer context: a new trace, not a child of whatever the consumer loop's flow holds.
                Activity.Current = null;
            }

            activity = HeraldDiagnostics.Source.StartActivity(SpanNames.Process(subscription.Topic), ActivityKind.Consumer, parent);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(MessagingAttributes.System, telemetry?.Metrics.MessagingSystem);
                activity.SetTag(MessagingAttributes.DestinationName, subscription.Topic);
                activity.SetTag(MessagingAttributes.ConsumerGroup, subscription.Group);
                activity.SetTag(MessagingAttributes.OperationName, MessagingAttributes.Process);
                activity.SetTag(MessagingAttributes.OperationType, MessagingAttributes.Process);
                activity.SetTag(MessagingAttributes.PartitionId, delivery.Partition.ToString(CultureInfo.InvariantCulture));
                activity.SetTag(MessagingAttributes.MessageId, envelope.EventId);
                activity.SetTag(MessagingAttributes.ConversationId, envelope.CorrelationId);
                activity.SetTag(MessagingAttributes.EventType, envelope.EventType);
                activity.SetTag(MessagingAttributes.DeliveryCount, delivery.DeliveryCount);
            }
        }

        var started = telemetry is null ? 0 : telemetry.Metrics.ProcessStarted(telemetry);
        return new(telemetry, started, activity, scope);
    }

    /// <summary>Records the outcome: <paramref name="errorType"/> is <see langword="null"/> when the event was handled.</summary>
    public void Complete(string? errorType, Exception? exception)
    {
        if (_telemetry is { } telemetry)
        {
            telemetry.Metrics.Processed(telemetry, _started, errorType);
        }

        if (errorType is not null && _activity is { } activity)
        {
            TraceContext.Fail(activity, errorType, exception);
        }
    }

    public void Dispose()
    {
        _activity?.Dispose();
        _scope?.Dispose();
    }
}
