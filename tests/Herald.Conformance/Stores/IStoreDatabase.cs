using System.Data.Common;
using Herald.Inbox;
using Herald.Outbox;

namespace Herald.Conformance.Stores;

/// <summary>One test's database: its stores and connections to it.</summary>
public interface IStoreDatabase : IAsyncDisposable
{
    /// <summary>Creates an outbox store over this database on <paramref name="timeProvider"/>.</summary>
    IOutboxStore CreateOutboxStore(TimeProvider timeProvider);

    /// <summary>Creates an inbox store over this database on <paramref name="timeProvider"/>.</summary>
    IInboxStore CreateInboxStore(TimeProvider timeProvider);

    /// <summary>Gets the outbox table's name as SQL must spell it (qualified and quoted where the database needs it), for tests that damage or repair rows as an operator would.</summary>
    string OutboxTable { get; }

    /// <summary>Opens a connection as the application would, for its own transactions.</summary>
    ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);
}
