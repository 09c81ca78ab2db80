using Herald.Hosting;
using Herald.Inbox;
using Herald.Outbox;
using Herald.PostgreSql.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.PostgreSql;

/// <summary>Adds Herald's PostgreSQL stores to an application.</summary>
public static class PostgreSqlHeraldBuilderExtensions
{
    /// <summary>
    /// Adds the transactional outbox on PostgreSQL: <see cref="PostgreSqlOutboxStore"/> as <see cref="IOutboxStore"/>,
    /// <see cref="IOutboxPublisher"/>, the schema created at host start (<see cref="PostgreSqlSchemaInitializer"/>),
    /// and the relay that sends committed rows to the transport.
    /// </summary>
    /// <remarks>Any number of application instances may run a relay on one database; see <see cref="PostgreSqlOutboxStore"/>.</remarks>
    /// <param name="builder">Herald's builder.</param>
    /// <param name="storeOptions">The application's database and Herald's schema and table names.</param>
    /// <param name="configure">Sets the relay options.</param>
    /// <exception cref="ArgumentException">A store or relay option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">An outbox was already added.</exception>
    public static HeraldBuilder UsePostgreSqlOutbox(this HeraldBuilder builder, PostgreSqlStoreOptions storeOptions, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();

        // Registered before the relay, so the tables exist when it starts: hosted services start in order.
        builder.Services.AddHostedService(_ => new PostgreSqlSchemaHostedService(new PostgreSqlSchemaInitializer(storeOptions)));
        return builder.UseOutbox(sp => new PostgreSqlOutboxStore(storeOptions, sp.GetRequiredService<TimeProvider>()), configure);
    }

    /// <summary>
    /// Adds the idempotent-consumer inbox on PostgreSQL: <see cref="IInbox"/> over <see cref="PostgreSqlInboxStore"/>, the
    /// schema created at start, and the cleanup of records past their retention. Handlers pass a transaction on the same
    /// database, so the inbox record commits with their changes.
    /// </summary>
    /// <param name="builder">Herald's builder.</param>
    /// <param name="storeOptions">The application's database and Herald's schema and table names.</param>
    /// <param name="configure">Sets the inbox options.</param>
    /// <exception cref="ArgumentException">A store or inbox option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">An inbox was already added.</exception>
    public static HeraldBuilder UsePostgreSqlInbox(this HeraldBuilder builder, PostgreSqlStoreOptions storeOptions, Action<InboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();
        builder.Services.AddHostedService(_ => new PostgreSqlSchemaHostedService(new PostgreSqlSchemaInitializer(storeOptions)));
        return builder.UseInbox(sp => new PostgreSqlInboxStore(storeOptions, sp.GetRequiredService<TimeProvider>()), configure);
    }
}
