using Herald.DeadLetters;

namespace Herald.Conformance.DeadLetters;

/// <summary>Where one test's dead letters are kept: opened as a store, and written to behind the store's back (only the
/// <see cref="DurableDeadLetterStoreConformance{TFixture}"/> suite writes raw; a store in process memory may refuse).</summary>
public interface IDeadLetterStorage : IAsyncDisposable
{
    /// <summary>Opens a new store over the storage, as a restarted process would, closing the one opened before.</summary>
    ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="letter"/> as the previous version did: under (group, event id), with no dead-letter id.</summary>
    /// <param name="letter">The letter.</param>
    /// <param name="json">The letter's JSON as the previous version wrote it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="value"/>, which is not a readable dead letter, under a key of its own in <paramref name="group"/>.</summary>
    ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken);
}
