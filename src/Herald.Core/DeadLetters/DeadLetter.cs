using Herald.Events;

namespace Herald.DeadLetters;

/// <summary>An event one consumer group gave up on, with why and when: an entry in that group's dead-letter queue.</summary>
/// <remarks>
/// A dead letter is identified by its <see cref="Group"/> and its <see cref="Id"/>, which names the event's id and the
/// content it was delivered with: the same event has at most one dead letter per group, and a different message that
/// reuses the event id gets a second one rather than replacing the first. The <see cref="Envelope"/> is the event
/// exactly as it was delivered. When a redriven event fails again, its dead letter returns with the earlier episodes
/// in <see cref="History"/>.
/// </remarks>
public sealed record DeadLetter
{
    private string? _id;

    /// <summary>Gets the consumer group that failed to handle the event; a redrive delivers it to this group only.</summary>
    public required string Group { get; init; }

    /// <summary>Gets the topic the event was delivered from.</summary>
    public required string Topic { get; init; }

    /// <summary>Gets the event, unchanged.</summary>
    public required EventEnvelope Envelope
    {
        get;
        init
        {
            field = value;
            _id = DeadLetterIdentity.Of(value);
        }
    }

    /// <summary>Gets the dead letter's id within its group: the event id and a digest of the event's content (<see cref="DeadLetterIdentity"/>).</summary>
    /// <remarks>
    /// Computed when <see cref="Envelope"/> is set; a letter read from storage keeps the id it was stored under (set after
    /// the envelope). A copy made <see langword="with"/> a new envelope gets that envelope's id.
    /// </remarks>
    public string Id
    {
        get => _id!;
        init => _id = value;
    }

    /// <summary>Gets the event id.</summary>
    public string EventId => Envelope.EventId;

    /// <summary>Gets the event type.</summary>
    public string EventType => Envelope.EventType;

    /// <summary>Gets the state of the dead letter.</summary>
    public DeadLetterStatus Status { get; init; } = DeadLetterStatus.Pending;

    /// <summary>Gets the last failure that sent the event here.</summary>
    public required DeadLetterFailure Failure { get; init; }

    /// <summary>Gets when the event was last redriven, while <see cref="Status"/> is <see cref="DeadLetterStatus.Redriven"/>.</summary>
    public DateTimeOffset? RedrivenAt { get; init; }

    /// <summary>Gets the event id of the dead letter this one waits behind, when its group keeps key order through dead letters.</summary>
    /// <remarks>Set with <see cref="DeadLetterReason.Parked"/>: the event did not fail; an earlier event of its key did.</remarks>
    public string? ParkedBehind { get; init; }

    /// <summary>Gets when the event was first dead-lettered in this group: the order of a key's dead letters.</summary>
    public DateTimeOffset FirstDeadLetteredAt => History.Count > 0 ? History[0].DeadLetteredAt : Failure.DeadLetteredAt;

    /// <summary>Gets the earlier episodes, oldest first: each failure that dead-lettered the event before it was redriven.</summary>
    public IReadOnlyList<DeadLetterFailure> History { get; init; } = [];
}

/// <summary>Why and how an event failed in a consumer group, up to its dead-lettering.</summary>
/// <param name="Reason">What kind of failure it was.</param>
/// <param name="ExceptionType">The full name of the last exception's type.</param>
/// <param name="ExceptionMessage">The last exception's message.</param>
/// <param name="StackTrace">The last exception's stack trace, with inner exceptions (<see cref="Exception.ToString"/>).</param>
/// <param name="Handler">The handler type that failed, when one was called.</param>
/// <param name="Attempts">How many times the handler was called for the event in this episode, immediate retries included.</param>
/// <param name="FirstFailureAt">When the event first failed in this episode.</param>
/// <param name="LastFailureAt">When the event last failed.</param>
/// <param name="DeadLetteredAt">When the event was dead-lettered.</param>
/// <param name="RedrivenAt">When the episode ended by a redrive; <see langword="null"/> for the current one.</param>
public sealed record DeadLetterFailure(
    DeadLetterReason Reason,
    string ExceptionType,
    string ExceptionMessage,
    string? StackTrace,
    string? Handler,
    int Attempts,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt,
    DateTimeOffset DeadLetteredAt,
    DateTimeOffset? RedrivenAt = null);

/// <summary>What kind of failure dead-lettered an event.</summary>
public enum DeadLetterReason
{
    /// <summary>The handler failed on every attempt: immediate retries and delayed redeliveries.</summary>
    HandlerFailed,

    /// <summary>The payload could not be read as the registered event type; retrying cannot help.</summary>
    Undeserializable,

    /// <summary>The event's version is newer than the registered type, or older with no upcaster to the current version.</summary>
    UnsupportedVersion,

    /// <summary>The group acknowledges at most once: the handler failed and the event is not delivered again.</summary>
    FailedAtMostOnce,

    /// <summary>
    /// The event waits behind an earlier dead letter of its partition key, so that the key's events are handled in order
    /// (<see cref="Consuming.ConsumerGroupOptions.KeepKeyOrderOnDeadLetter"/>); it comes back when that one is handled.
    /// </summary>
    Parked,

    /// <summary>
    /// The event's sequence number came after its key's reorder buffer gave up waiting for it, or it waited behind a
    /// gap that timed out under <see cref="Consuming.Ordering.GapTimeoutPolicy.DeadLetter"/>.
    /// </summary>
    OutOfSequence,

    /// <summary>
    /// The event is over a size limit (<see cref="Hosting.HeraldOptions.Limits"/>): its data, an attribute's value or its
    /// number of extensions. It was not read in full; the failure message names the limit, and whether the data was kept.
    /// </summary>
    TooLarge,
}

/// <summary>The state of a dead letter.</summary>
public enum DeadLetterStatus
{
    /// <summary>Waiting for an operator: listed, redrivable, purgeable.</summary>
    Pending,

    /// <summary>Sent back to its group; kept so that a new failure carries the history.</summary>
    Redriven,
}
