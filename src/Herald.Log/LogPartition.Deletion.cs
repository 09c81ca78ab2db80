namespace Herald.Log;

// Deleting the topic: the partition stops taking appends and serving reads before the log closes and deletes its files.
public sealed partial class LogPartition
{
    private bool _deleted;

    /// <summary>Gets whether the partition's topic was deleted: it takes no appends and serves no reads.</summary>
    internal bool IsDeleted => Volatile.Read(ref _deleted);

    /// <summary>Refuses every append from now on and fails those the writer has not taken; what the writer is writing
    /// completes (acknowledged before the deletion). <see cref="Dispose"/> then stops the writer and closes the files.</summary>
    internal void MarkDeleted()
    {
        lock (_lock)
        {
            if (_deleted)
            {
                return;
            }

            Volatile.Write(ref _deleted, true);
            _group.Fail(Deleted());
            _pending.Clear();
        }

        // Tailing readers wake now and find the partition deleted; one that takes the next signal sees the flag first.
        Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult(false);
    }

    /// <summary>Returns the exception that appends and reads of the deleted partition throw.</summary>
    internal TopicDeletedException Deleted() => new(Topic, $"Topic '{Topic}' was deleted: partition {Id} takes no appends and serves no reads.");

    private void ThrowIfDeleted()
    {
        if (IsDeleted)
        {
            throw Deleted();
        }
    }
}
