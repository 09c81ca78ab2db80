namespace Herald.Transports.Partitioned;

/// <summary>A group source whose process holds every partition: its cursors open synchronously and it needs no leases.</summary>
internal sealed class LocalGroupSource(Func<int, PartitionCursor> open, Action? close) : PartitionGroupSource
{
    public override ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken) => new(open(partition));

    public override PartitionLeases? CreateLeases(PartitionOwnership ownership) => null;

    public override ValueTask DisposeAsync()
    {
        close?.Invoke();
        return ValueTask.CompletedTask;
    }
}
