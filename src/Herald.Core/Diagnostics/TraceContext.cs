using System.Diagnostics;
using Herald.Events;

namespace Herald.Diagnostics;

/// <summary>Reads and writes the W3C trace context an envelope carries (<c>traceparent</c>, and <c>tracestate</c> as an extension).</summary>
internal static class TraceContext
{
    /// <summary>Returns the producer's context stored in <paramref name="envelope"/>, or default when it has none or it does not parse.</summary>
    public static ActivityContext Of(EventEnvelope envelope)
    {
        if (envelope.TraceParent is null)
        {
            return default;
        }

        envelope.Extensions.TryGetValue(MessagingAttributes.TraceState, out var state);
        return ActivityContext.TryParse(envelope.TraceParent, state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>Marks <paramref name="activity"/> failed, with <c>error.type</c> and, when there is one, the exception.</summary>
    public static void Fail(Activity activity, string errorType, Exception? exception)
    {
        activity.SetStatus(ActivityStatusCode.Error, exception?.Message);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(MessagingAttributes.ErrorType, errorType);
            if (exception is not null)
            {
                activity.AddException(exception);
            }
        }
    }
}
