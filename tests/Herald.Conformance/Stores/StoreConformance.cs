using System.Data.Common;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Conformance.Stores;

/// <summary>Holds what the store suites share: the test's database, a fake clock and transaction helpers.</summary>
/// <typeparam name="TFixture">Creates the databases under test.</typeparam>
public abstract class StoreConformance<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : class, IStoreFixture
{
    private readonly TFixture _fixture;
    private IStoreDatabase? _database;
    private CancellationTokenSource? _timeout;

    /// <summary>Creates the suite over the class's fixture.</summary>
    protected StoreConformance(TFixture fixture) => _fixture = fixture;

    /// <summary>Gets the clock every store of the test runs on; starts at 2026-01-01.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Gets the database of the running test.</summary>
    protected IStoreDatabase Database => _database ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <summary>Gets a token cancelled when the test has run for <see cref="TestTimeout"/>.</summary>
    protected CancellationToken Cancellation => _timeout?.Token ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <summary>Gets how long one test may run before it fails. Default 60 seconds.</summary>
    protected virtual TimeSpan TestTimeout => TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _timeout.CancelAfter(TestTimeout);
        _database = await _fixture.CreateDatabaseAsync(_timeout.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _timeout?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <paramref name="work"/> in a new transaction and commits it, or rolls it back when <paramref name="commit"/> is false.</summary>
    protected async Task<T> InTransactionAsync<T>(Func<DbTransaction, ValueTask<T>> work, bool commit = true)
    {
        await using var connection = await Database.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        var result = await work(transaction);
        if (commit)
        {
            await transaction.CommitAsync(Cancellation);
        }
        else
        {
            await transaction.RollbackAsync(Cancellation);
        }

        return result;
    }
}
