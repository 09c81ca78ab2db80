using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Herald.EntityFrameworkCore.Internal;

/// <summary>Holds the events queued on one DbContext and the state of the SaveChanges writing them.</summary>
/// <remarks>
/// Scoped in EF Core's internal service provider, so there is one queue per context instance; a
/// pooled context's queue is cleared when the context goes back to the pool. Not thread-safe, like
/// the DbContext it belongs to.
/// </remarks>
internal sealed class PendingEventQueue : IResettableService
{
    private readonly List<PendingEvent> _events = [];

    /// <summary>Gets the events queued and not yet written by a successful SaveChanges, in publish order.</summary>
    public IReadOnlyList<PendingEvent> Events => _events;

    /// <summary>Gets how the SaveChanges in progress writes the events; <see cref="SaveMode.None"/> outside SaveChanges.</summary>
    public SaveMode Mode { get; private set; }

    /// <summary>Gets the events the SaveChanges in progress writes: those queued when it started.</summary>
    public IReadOnlyList<PendingEvent> Batch { get; private set; } = [];

    /// <summary>Gets or sets whether the transaction EF Core opened for the SaveChanges in progress committed with the batch.</summary>
    public bool Committed { get; set; }

    /// <summary>Gets the auto-transaction behavior to restore when the SaveChanges in progress ends.</summary>
    public AutoTransactionBehavior PreviousBehavior { get; private set; }

    public void Enqueue(PendingEvent pending) => _events.Add(pending);

    public void Begin(SaveMode mode, AutoTransactionBehavior previousBehavior)
    {
        Debug.Assert(mode != SaveMode.None, "A save writes the batch in some transaction.");
        Mode = mode;
        Batch = [.. _events];
        Committed = false;
        PreviousBehavior = previousBehavior;
    }

    /// <summary>Switches the save in progress to another transaction, keeping its batch.</summary>
    public void Switch(SaveMode mode)
    {
        Debug.Assert(Mode != SaveMode.None, "Only a save in progress switches transaction.");
        Mode = mode;
    }

    /// <summary>Removes the batch from the queue: it is committed, or written in the caller's transaction.</summary>
    public void Complete()
    {
        // Events queued while SaveChanges ran (by another interceptor, say) are after the batch and stay queued.
        _events.RemoveRange(0, Batch.Count);
        End();
    }

    /// <summary>Ends the save and keeps every event queued, so a retried SaveChanges writes them once.</summary>
    public void End()
    {
        Mode = SaveMode.None;
        Batch = [];
        Committed = false;
    }

    public void ResetState()
    {
        _events.Clear();
        End();
    }

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        ResetState();
        return Task.CompletedTask;
    }
}
