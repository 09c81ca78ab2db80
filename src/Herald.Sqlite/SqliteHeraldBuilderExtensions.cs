using Herald.Hosting;
using Herald.Outbox;
using Herald.Sqlite.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Sqlite;

/// <summary>Adds Herald's SQLite stores to an application.</summary>
public static class SqliteHeraldBuilderExtensions
{
    /// <summary>
    /// Adds the transactional outbox on SQLite: <see cref="SqliteOutboxStore"/> as <see cref="IOutboxStore"/>,
    /// <see cref="IOutboxPublisher"/>, the schema created at host start (<see cref="SqliteSchemaInitializer"/>),
    /// and the relay that sends committed rows to the transport.
    /// </summary>
    /// <param name="builder">Herald's builder.</param>
    /// <param name="storeOptions">The application's database and Herald's table names.</param>
    /// <param name="configure">Sets the relay options.</param>
    /// <exception cref="ArgumentException">A store or relay option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">An outbox was already added.</exception>
    public static HeraldBuilder UseSqliteOutbox(this HeraldBuilder builder, SqliteStoreOptions storeOptions, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();

        // Registered before the relay, so the tables exist when it starts: hosted services start in order.
        builder.Services.AddHostedService(_ => new SqliteSchemaHostedService(new SqliteSchemaInitializer(storeOptions)));
        return builder.UseOutbox(sp => new SqliteOutboxStore(storeOptions, sp.GetRequiredService<TimeProvider>()), configure);
    }

    /// <summary>
    /// Adds the idempotent-consumer inbox on SQLite: <see cref="Inbox.IInbox"/> over <see cref="SqliteInboxStore"/>, the
    /// schema created at start, and the cleanup of records past their retention. Handlers open their connections with
    /// <see cref="SqliteConnectionFactory"/> on the same database, so the inbox record commits with their changes.
    /// </summary>
    public static HeraldBuilder UseSqliteInbox(this HeraldBuilder builder, SqliteStoreOptions storeOptions, Action<Inbox.InboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();
        builder.Services.AddHostedService(_ => new SqliteSchemaHostedService(new SqliteSchemaInitializer(storeOptions)));
        return builder.UseInbox(sp => new SqliteInboxStore(storeOptions, sp.GetRequiredService<TimeProvider>()), configure);
    }
}
