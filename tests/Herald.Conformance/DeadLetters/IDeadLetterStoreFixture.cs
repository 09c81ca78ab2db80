namespace Herald.Conformance.DeadLetters;

/// <summary>Creates the storage that <see cref="DeadLetterStoreConformance{TFixture}"/> checks a dead-letter store over.</summary>
/// <remarks>xunit creates one fixture per test class; each test gets storage of its own (unique names), empty.</remarks>
public interface IDeadLetterStoreFixture : IAsyncDisposable
{
    /// <summary>Creates empty storage for one test; the suite disposes it after the test.</summary>
    ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken);
}
