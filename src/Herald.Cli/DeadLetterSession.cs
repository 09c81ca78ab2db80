using Herald.DeadLetters;
using Herald.Log;
using Herald.Transports;

namespace Herald.Cli;

/// <summary>The dead letters of an open data directory or broker, and what must be closed when the command ends.</summary>
internal sealed class DeadLetterSession : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly IDeadLetterStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly IAsyncDisposable? _owner;
    private readonly Func<IDeadLetters, IDeadLetters> _decorate;

    /// <param name="transport">Where redriven events are sent.</param>
    /// <param name="store">Where the dead letters are kept.</param>
    /// <param name="timeProvider">The clock for redrive times and the redrive rate.</param>
    /// <param name="owner">What holds the data directory or connection open (the transport); disposed with the session.</param>
    /// <param name="decorate">Wraps the dead-letter queues, such as in a broker's checks; none by default.</param>
    public DeadLetterSession(
        ITransport transport, IDeadLetterStore store, TimeProvider timeProvider, IAsyncDisposable? owner = null, Func<IDeadLetters, IDeadLetters>? decorate = null)
    {
        _transport = transport;
        _store = store;
        _timeProvider = timeProvider;
        _owner = owner;
        _decorate = decorate ?? (deadLetters => deadLetters);
        DeadLetters = _decorate(new DeadLetterQueues(transport, store, timeProvider));
    }

    /// <summary>Gets the dead-letter queues.</summary>
    public IDeadLetters DeadLetters { get; }

    /// <summary>Gets where the stored dead letters are that could not be read: set aside, out of every listing, still stored.</summary>
    public IReadOnlyCollection<string> Unreadable => _store.Unreadable;

    /// <summary>Gets whether the session only reads: a change closes it and opens a <see cref="DataDirectoryAccess.Writable"/> one.</summary>
    public bool IsReadOnly { get; init; }

    /// <summary>Gets the embedded log underneath, for its torn tails and damage; <see langword="null"/> on a broker.</summary>
    public EmbeddedLog? Log { get; init; }

    /// <summary>Returns the dead-letter queues narrowed to <paramref name="confirmed"/>: a change through them touches no other dead letter.</summary>
    public IDeadLetters Only(IReadOnlyCollection<DeadLetter> confirmed) =>
        _decorate(new DeadLetterQueues(_transport, new ConfirmedDeadLetterStore(_store, confirmed), _timeProvider));

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
