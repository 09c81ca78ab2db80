namespace Herald.Conformance.Stores;

/// <summary>Creates the databases that <see cref="OutboxStoreConformance{TFixture}"/> and <see cref="InboxStoreConformance{TFixture}"/> check.</summary>
/// <remarks>xunit creates one fixture per test class; each test gets a fresh database of its own, with the schema in place.</remarks>
public interface IStoreFixture : IAsyncDisposable
{
    /// <summary>Creates an empty database for one test; the suite disposes it after the test.</summary>
    ValueTask<IStoreDatabase> CreateDatabaseAsync(CancellationToken cancellationToken);
}
