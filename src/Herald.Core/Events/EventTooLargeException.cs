using System.Globalization;

namespace Herald.Events;

/// <summary>Signals an event over one of Herald's size limits (<see cref="Hosting.EventLimits"/>).</summary>
/// <remarks>
/// Thrown by a publish, before anything is sent or written to the outbox. An event over a limit that arrives from
/// elsewhere is dead-lettered with reason <see cref="DeadLetters.DeadLetterReason.TooLarge"/> and this exception's message.
/// </remarks>
public sealed class EventTooLargeException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="eventType"/>, over <paramref name="limit"/>.</summary>
    /// <param name="eventType">The event's type; empty when it is not known.</param>
    /// <param name="limit">The name of the <see cref="Hosting.EventLimits"/> property exceeded, such as <c>MaxEventSize</c>.</param>
    /// <param name="maximum">The limit's value.</param>
    /// <param name="actual">The event's size: bytes of data, characters of a value, or the number of extensions.</param>
    /// <param name="attribute">The attribute whose value is too long, when the limit is a length.</param>
    /// <param name="consequence">What became of the event, such as "the data was not kept".</param>
    public EventTooLargeException(string eventType, string limit, long maximum, long actual, string? attribute = null, string? consequence = null)
        : base(Describe(eventType, limit, maximum, actual, attribute, consequence))
    {
        EventType = eventType;
        Limit = limit;
        Maximum = maximum;
        Actual = actual;
        Attribute = attribute;
    }

    /// <summary>Creates the exception with a message.</summary>
    public EventTooLargeException(string message) : base(message) => (EventType, Limit) = ("", "");

    /// <summary>Creates the exception with a message and cause.</summary>
    public EventTooLargeException(string message, Exception innerException) : base(message, innerException) => (EventType, Limit) = ("", "");

    /// <summary>Creates the exception with a default message.</summary>
    public EventTooLargeException() : this("The event is over Herald's size limits.") { }

    /// <summary>Gets the event's type; empty when it is not known.</summary>
    public string EventType { get; }

    /// <summary>Gets the name of the <see cref="Hosting.EventLimits"/> property exceeded.</summary>
    public string Limit { get; }

    /// <summary>Gets the limit's value.</summary>
    public long Maximum { get; }

    /// <summary>Gets the event's size by that limit's measure: bytes of data, characters of a value, or extensions.</summary>
    public long Actual { get; }

    /// <summary>Gets the attribute whose value is too long, when the limit is a length.</summary>
    public string? Attribute { get; }

    private static string Describe(string eventType, string limit, long maximum, long actual, string? attribute, string? consequence)
    {
        var what = limit switch
        {
            "MaxEventSize" => string.Create(CultureInfo.InvariantCulture, $"data of {actual:N0} bytes exceeds MaxEventSize {maximum:N0}"),
            "MaxExtensions" => string.Create(CultureInfo.InvariantCulture, $"{actual:N0} extension attributes exceed MaxExtensions {maximum:N0}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"attribute '{attribute}' of {actual:N0} characters exceeds {limit} {maximum:N0}"),
        };
        var type = eventType.Length > 0 ? $"'{eventType}'" : "of unknown type";
        var then = consequence is null ? "" : "; " + consequence;
        return $"Event {type} is too large: {what}{then}. Raise HeraldOptions.Limits.{limit} on producers and consumers alike if such events are intended.";
    }
}
