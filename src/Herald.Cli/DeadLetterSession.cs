using Herald.DeadLetters;

namespace Herald.Cli;

/// <summary>The dead letters of an open data directory, and what must be closed when the command ends.</summary>
/// <param name="deadLetters">The dead-letter queues.</param>
/// <param name="owner">What holds the data directory open (the transport); disposed with the session.</param>
internal sealed class DeadLetterSession(IDeadLetters deadLetters, IAsyncDisposable? owner = null) : IAsyncDisposable
{
    /// <summary>Gets the dead-letter queues.</summary>
    public IDeadLetters DeadLetters { get; } = deadLetters;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
