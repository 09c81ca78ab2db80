using Herald.EntityFrameworkCore.Internal;
using Herald.Events;
using Herald.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.EntityFrameworkCore;

/// <summary>Configures a DbContext to write Herald events through the transactional outbox.</summary>
public static class HeraldDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Makes SaveChanges write the events queued with <see cref="HeraldDbContextExtensions.PublishEvent{TEvent}"/> to
    /// Herald's outbox, in the same transaction as the entity changes.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The rows are written by the outbox store Herald is configured with (<c>UseSqliteOutbox</c> or
    /// <c>UsePostgreSqlOutbox</c>), which must point at the database this context uses; that store's relay sends them
    /// after the commit, at least once, in per-key order. Use it as
    /// <c>services.AddDbContext&lt;ShopDbContext&gt;((sp, options) =&gt; options.UseSqlite(connectionString).UseHeraldOutbox(sp))</c>.
    /// </para>
    /// <para>
    /// With an execution strategy that retries, a SaveChanges inside a caller transaction needs the usual
    /// <c>Database.CreateExecutionStrategy().Execute…</c> wrapper; a SaveChanges without one works as is.
    /// </para>
    /// </remarks>
    /// <param name="builder">The context's options builder; its provider must be relational.</param>
    /// <param name="services">The application's services, where <c>AddHerald</c> registered the outbox.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="InvalidOperationException">No Herald outbox is registered, or this was already called on the builder.</exception>
    public static DbContextOptionsBuilder UseHeraldOutbox(this DbContextOptionsBuilder builder, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(services);
        if (builder.Options.FindExtension<OutboxOptionsExtension>() is not null)
        {
            throw new InvalidOperationException("UseHeraldOutbox was called twice on one DbContext's options; call it once.");
        }

        var publisher = services.GetService<IOutboxPublisher>()
            ?? throw new InvalidOperationException(
                "UseHeraldOutbox found no Herald outbox: call UseSqliteOutbox or UsePostgreSqlOutbox inside AddHerald, " +
                "on the database this DbContext uses, and pass the application's IServiceProvider.");
        var interceptor = new OutboxInterceptor(publisher, services.GetRequiredService<EventTypeRegistry>(), services.GetService<TimeProvider>() ?? TimeProvider.System);
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(new OutboxOptionsExtension(interceptor));
        return builder.AddInterceptors(interceptor);
    }

    /// <inheritdoc cref="UseHeraldOutbox(DbContextOptionsBuilder, IServiceProvider)" />
    public static DbContextOptionsBuilder<TContext> UseHeraldOutbox<TContext>(this DbContextOptionsBuilder<TContext> builder, IServiceProvider services)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseHeraldOutbox((DbContextOptionsBuilder)builder, services);
}
