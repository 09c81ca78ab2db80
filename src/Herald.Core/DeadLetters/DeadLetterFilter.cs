namespace Herald.DeadLetters;

/// <summary>Selects dead letters; unset criteria match everything, set ones must all match.</summary>
public sealed record DeadLetterFilter
{
    /// <summary>A filter that matches every pending dead letter.</summary>
    public static readonly DeadLetterFilter All = new();

    /// <summary>Gets the event ids to select, or dead-letter ids (<see cref="DeadLetter.Id"/>); <see langword="null"/> for any.</summary>
    /// <remarks>An event id selects every dead letter of that event id, including different messages that reused it; a dead-letter id selects that one.</remarks>
    public IReadOnlyCollection<string>? EventIds { get; init; }

    /// <summary>Gets the consumer group; <see langword="null"/> for any.</summary>
    public string? Group { get; init; }

    /// <summary>Gets the topic; <see langword="null"/> for any.</summary>
    public string? Topic { get; init; }

    /// <summary>Gets the event type (<c>order.created</c>); <see langword="null"/> for any.</summary>
    public string? EventType { get; init; }

    /// <summary>Gets the exception type, full name or simple name (<c>System.TimeoutException</c> or <c>TimeoutException</c>); <see langword="null"/> for any.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>Gets the earliest dead-lettering time, inclusive; <see langword="null"/> for no bound.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest dead-lettering time, exclusive; <see langword="null"/> for no bound.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets whether redriven dead letters are selected too. Default <see langword="false"/>: pending ones only.</summary>
    public bool IncludeRedriven { get; init; }

    /// <summary>Says whether <paramref name="letter"/> matches every criterion set.</summary>
    public bool Matches(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return (IncludeRedriven || letter.Status == DeadLetterStatus.Pending)
            && (EventIds is null || EventIds.Contains(letter.EventId) || EventIds.Contains(letter.Id))
            && (Group is null || string.Equals(Group, letter.Group, StringComparison.Ordinal))
            && (Topic is null || string.Equals(Topic, letter.Topic, StringComparison.Ordinal))
            && (EventType is null || string.Equals(EventType, letter.EventType, StringComparison.Ordinal))
            && (ExceptionType is null || IsExceptionType(letter.Failure.ExceptionType, ExceptionType))
            && (From is null || letter.Failure.DeadLetteredAt >= From)
            && (Until is null || letter.Failure.DeadLetteredAt < Until);
    }

    private static bool IsExceptionType(string fullName, string wanted) =>
        string.Equals(fullName, wanted, StringComparison.Ordinal)
        || (fullName.EndsWith(wanted, StringComparison.Ordinal) && fullName.Length > wanted.Length && fullName[^(wanted.Length + 1)] == '.');
}
