using System.Data.Common;
using Herald.Events;
using Herald.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Herald.EntityFrameworkCore.Internal;

/// <summary>Writes the events queued on a DbContext to the outbox in the transaction of its SaveChanges.</summary>
/// <remarks>
/// <para>
/// Without a caller transaction, SaveChanges runs with <see cref="AutoTransactionBehavior.Always"/>, so EF Core opens a
/// transaction even for a single statement, and the events are written when EF Core commits it: after the entities,
/// before the commit, and before EF Core accepts the entity changes. A failed statement or commit therefore leaves the
/// entities modified and the events queued, exactly as EF Core leaves a failed save, and a retrying execution strategy
/// writes the events again in each attempt's transaction, of which only one commits.
/// </para>
/// <para>
/// With a caller transaction, the events are written after the entities, inside a savepoint where the provider has them,
/// and commit or roll back with the caller's transaction. The queue forgets a batch only once it is committed or written
/// in the caller's transaction, so a failed SaveChanges retried writes every event once.
/// </para>
/// </remarks>
internal sealed class OutboxInterceptor(IOutboxPublisher publisher, EventTypeRegistry registry, TimeProvider timeProvider)
    : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private const string Savepoint = "herald_outbox";

    public EventTypeRegistry Registry => registry;

    public TimeProvider TimeProvider => timeProvider;

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Begin(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Begin(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Block(() => CompleteAsync(eventData.Context, CancellationToken.None));
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await CompleteAsync(eventData.Context, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Abandon(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Abandon(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Abandon(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Abandon(eventData.Context);
        return Task.CompletedTask;
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (SavingIn(eventData.Context, SaveMode.SaveTransaction) is { } queue)
        {
            Block(() => WriteAsync(transaction, queue.Batch, CancellationToken.None));
        }

        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (SavingIn(eventData.Context, SaveMode.SaveTransaction) is { } queue)
        {
            await WriteAsync(transaction, queue.Batch, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => MarkCommitted(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        MarkCommitted(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>Runs an asynchronous write to completion for EF Core's synchronous SaveChanges; the outbox store is asynchronous only.</summary>
    /// <remarks>
    /// The synchronization context is lifted while blocking: the stores' awaits would otherwise post their continuations
    /// to a UI or legacy request thread that is blocked right here, and deadlock. The calling thread stays the only
    /// user of the connection, and the execution context (Herald's ambient event, the current activity) still flows.
    /// </remarks>
    private static void Block(Func<ValueTask> write)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            write().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private static PendingEventQueue? SavingIn(DbContext? context, SaveMode mode) =>
        context?.GetService<PendingEventQueue>() is { } queue && queue.Mode == mode ? queue : null;

    private static void MarkCommitted(DbContext? context)
    {
        if (SavingIn(context, SaveMode.SaveTransaction) is { } queue)
        {
            queue.Committed = true;
        }
    }

    private static void Begin(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var queue = context.GetService<PendingEventQueue>();
        var database = context.Database;
        if (queue.Mode != SaveMode.None)
        {
            // A previous SaveChanges ended without a completion or failure callback (another interceptor threw first).
            database.AutoTransactionBehavior = queue.PreviousBehavior;
            queue.End();
        }

        if (queue.Events.Count == 0)
        {
            return;
        }

        if (database.CurrentTransaction is not null)
        {
            queue.Begin(SaveMode.CallerTransaction, database.AutoTransactionBehavior);
            return;
        }

        if (System.Transactions.Transaction.Current is not null)
        {
            // EF Core opens no transaction of its own inside a TransactionScope, and the outbox store needs a DbTransaction.
            throw new NotSupportedException(
                $"{context.GetType().Name} has queued Herald events inside a TransactionScope, which the outbox cannot join: " +
                "use Database.BeginTransaction around SaveChanges instead.");
        }

        if (database.AutoTransactionBehavior == AutoTransactionBehavior.Never)
        {
            throw new InvalidOperationException(
                $"{context.GetType().Name} has queued Herald events but AutoTransactionBehavior.Never, so SaveChanges would write the entities " +
                "and the events in separate transactions. Begin a transaction (Database.BeginTransaction) around SaveChanges, or leave AutoTransactionBehavior at WhenNeeded.");
        }

        queue.Begin(SaveMode.SaveTransaction, database.AutoTransactionBehavior);
        database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    private async ValueTask CompleteAsync(DbContext? context, CancellationToken cancellationToken)
    {
        var queue = context?.GetService<PendingEventQueue>();
        if (context is null || queue is null || queue.Mode == SaveMode.None)
        {
            return;
        }

        try
        {
            if (queue.Mode == SaveMode.CallerTransaction)
            {
                await WriteInCallerTransactionAsync(context, queue.Batch, cancellationToken).ConfigureAwait(false);
            }
            else if (!queue.Committed)
            {
                // Nothing to save (or nothing that needed a statement): EF Core opened no transaction to join.
                context.Database.AutoTransactionBehavior = queue.PreviousBehavior;
                queue.Switch(SaveMode.OwnTransaction);
                var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using var transactionDisposal = transaction.ConfigureAwait(false);
                await WriteAsync(transaction.GetDbTransaction(), queue.Batch, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Abandon(context);
            throw;
        }

        context.Database.AutoTransactionBehavior = queue.PreviousBehavior;
        queue.Complete();
    }

    private async ValueTask WriteInCallerTransactionAsync(DbContext context, IReadOnlyList<PendingEvent> batch, CancellationToken cancellationToken)
    {
        var transaction = context.Database.CurrentTransaction
            ?? throw new InvalidOperationException("The transaction SaveChanges ran in was committed or disposed before the Herald events could be written.");
        if (!transaction.SupportsSavepoints)
        {
            await WriteAsync(transaction.GetDbTransaction(), batch, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A savepoint keeps a failed write from leaving some of the batch in the caller's transaction: the batch
        // stays queued, and a SaveChanges retried in the same transaction must not write those events twice.
        await transaction.CreateSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAsync(transaction.GetDbTransaction(), batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transaction.RollbackToSavepointAsync(Savepoint, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await transaction.ReleaseSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteAsync(DbTransaction transaction, IReadOnlyList<PendingEvent> batch, CancellationToken cancellationToken)
    {
        foreach (var pending in batch)
        {
            await pending.WriteAsync(publisher, transaction, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Abandon(DbContext? context)
    {
        if (context?.GetService<PendingEventQueue>() is { Mode: not SaveMode.None } queue)
        {
            context.Database.AutoTransactionBehavior = queue.PreviousBehavior;
            queue.End();
        }
    }
}
