namespace Herald.Log;

// Deleting a topic: out of the log at once, then off the disk in the steps of TopicDeletion.
public sealed partial class EmbeddedLog
{
    // Under _lock: topics being deleted, or whose deletion failed. They are out of _topics, and creating one again waits
    // until its files are gone, so a new topic never finds the old one's segments.
    private readonly HashSet<string> _deleting = new(StringComparer.Ordinal);

    // Topics a read-only open found deleted but not finished: their directories are leftovers, not skipped entries.
    private readonly HashSet<string> _unfinishedDeletions = new(StringComparer.Ordinal);

    // Under _cleanupLock: Dispose released the data directory, which another process may hold by now.
    private bool _released;

    /// <summary>Gets or sets a hook called at each durable step of deleting a topic, for the crash tests.</summary>
    internal Action<string>? DeletionStep { get; set; }

    /// <summary>Deletes the topic named <paramref name="name"/>: its partitions, their records and files, and every
    /// consumer group's committed offsets on it.</summary>
    /// <remarks>
    /// <para>
    /// The topic leaves the log before this method returns: <see cref="TryGetTopic"/> and <see cref="Topics"/> no longer
    /// show it; an append the writer has not taken yet fails with <see cref="TopicDeletedException"/>, as does every later
    /// append and read (an append already being written is acknowledged first); tailing readers' waits end
    /// (<see cref="LogReader.WaitToReadAsync"/> returns <see langword="false"/>); its consumer-group members in this
    /// process lose its partitions. The task completes once the files and offsets are gone from the disk. Other topics
    /// serve throughout.
    /// </para>
    /// <para>
    /// Crash-safe: one durable rename of the topic's catalog file decides. A crash before it leaves the whole topic, a
    /// crash after it none of it, and the next open that may write finishes removing the files and offsets; a read-only
    /// open changes nothing and does not show the topic. Until the task has completed, <see cref="GetOrCreateTopic"/>
    /// refuses the name with <see cref="TopicDeletedException"/>; afterwards it creates a new, empty topic, starting at
    /// offset 0, with no committed offsets.
    /// </para>
    /// <para>A topic whose catalog file is damaged (listed in <see cref="Damaged"/>) can be deleted too. Herald's own
    /// topics (<c>__herald.*</c>) are not refused: delete them only with the applications that use them stopped.</para>
    /// </remarks>
    /// <param name="name">The topic.</param>
    /// <param name="cancellationToken">Stops waiting; the deletion goes on.</param>
    /// <exception cref="ArgumentException">The log has no topic <paramref name="name"/>, or is deleting it already.</exception>
    /// <exception cref="InvalidOperationException">The log is open read-only.</exception>
    /// <exception cref="ObjectDisposedException">The log is closed (the task fails with it when the log closed before the
    /// deletion reached the disk: the next open shows the topic again).</exception>
    /// <exception cref="IOException">The task fails with it when a file could not be renamed, deleted or flushed: if the
    /// rename had happened the topic stays deleted and the next open finishes the deletion, else it is back after a reopen.</exception>
    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        LogTopic? topic;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Options.ReadOnly)
            {
                throw new InvalidOperationException($"The log in '{Directory}' is open read-only: no topic can be deleted.");
            }

            if (!_topics.Remove(name, out topic) && !_damaged.Exists(d => d.Topic == name && d.Partition < 0))
            {
                throw new ArgumentException(
                    _deleting.Contains(name) ? $"Topic '{name}' is being deleted already." : $"The log in '{Directory}' has no topic '{name}'.", nameof(name));
            }

            _deleting.Add(name);
            _damaged.RemoveAll(d => d.Topic == name);
        }

        if (topic is not null)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.MarkDeleted();
            }
        }

        // Not cancellable once started: the topic is out of the log, so its files must go.
        return Task.Run(() => Delete(name, topic), CancellationToken.None).WaitAsync(cancellationToken);
    }

    // Under the cleanup lock: no retention or compaction pass runs in the partitions, and Dispose waits before it
    // releases the directory.
    private void Delete(string name, LogTopic? topic)
    {
        lock (_cleanupLock)
        {
            topic?.Dispose();
            ObjectDisposedException.ThrowIf(_released, this);
            DeletionStep?.Invoke("partitions closed");
            TopicDeletion.Commit(Directory, name, DeletionStep);
            Finish(name);
        }

        lock (_lock)
        {
            _deleting.Remove(name);
        }
    }

    private void Finish(string name)
    {
        Groups.RemoveTopic(name);
        DeletionStep?.Invoke("offsets removed");
        TopicDeletion.Finish(Directory, name, DeletionStep);
    }

    // On open, before the catalog is read: a writable open finishes what a crash interrupted, a read-only one hides it.
    private void FinishDeletions()
    {
        foreach (var name in TopicDeletion.FindUnfinished(Directory))
        {
            if (Options.ReadOnly)
            {
                _unfinishedDeletions.Add(name);
                Groups.Hide(name);
            }
            else
            {
                Finish(name);
            }
        }
    }

    private bool IsDeletedPartitionDirectory(string name) => _unfinishedDeletions.Any(topic => TopicDeletion.IsPartitionDirectory(name, topic));
}
