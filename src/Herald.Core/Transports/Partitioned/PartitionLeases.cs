namespace Herald.Transports.Partitioned;

/// <summary>
/// Spreads one consumer group's partitions over the processes that run members of it, for a broker with no native
/// partition ownership: the shared start/stop/run lifecycle, with the rounds left to the transport.
/// </summary>
/// <remarks>
/// The kernel starts the leases when the process's first member of the group joins and stops them when the last leaves.
/// Every <see cref="Interval"/> a round runs (<see cref="RoundAsync"/>): it confirms the leases held, gives back
/// partitions beyond this process's share and takes free ones, through <see cref="Ownership"/>. A round that fails
/// (the broker is away) calls <see cref="OnRoundFailedAsync"/> and the next round starts over. Stopping cancels the
/// round in progress and calls <see cref="ReleaseAllAsync"/>, which gives every partition back.
/// </remarks>
#pragma warning disable CA1001 // Each run disposes its own token source when it ends; stopping only cancels it.
public abstract class PartitionLeases
#pragma warning restore CA1001
{
    private readonly TimeProvider _timeProvider;
    private CancellationTokenSource? _stop;
    private Task _run = Task.CompletedTask;

    /// <summary>Creates the leases of one group.</summary>
    /// <param name="ownership">The kernel's side of the group.</param>
    /// <param name="interval">The time between rounds; greater than zero.</param>
    /// <param name="timeProvider">The clock the interval is measured on.</param>
    protected PartitionLeases(PartitionOwnership ownership, TimeSpan interval, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(ownership);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Ownership = ownership;
        Interval = interval;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the kernel's side of the group, to acquire and release partitions.</summary>
    protected PartitionOwnership Ownership { get; }

    /// <summary>Gets the time between rounds.</summary>
    protected TimeSpan Interval { get; }

    /// <summary>Runs one round: confirm the leases held, give back those beyond this process's share, take free ones up to it.</summary>
    protected abstract Task RoundAsync(CancellationToken cancellationToken);

    /// <summary>Cleans up after a failed round (closes a broken connection); the next round starts over.</summary>
    protected abstract Task OnRoundFailedAsync(Exception exception);

    /// <summary>Gives every partition held back (through <see cref="PartitionOwnership.ReleaseAsync"/>) and closes what the rounds opened.</summary>
    protected abstract Task ReleaseAllAsync();

    /// <summary>Starts the rounds; a previous run, if stopping, finishes first.</summary>
    internal void Start()
    {
        var previous = _run;
        _stop = new CancellationTokenSource();
        _run = RunAsync(previous, _stop);
    }

    /// <summary>Stops the rounds; completes once every partition is given back.</summary>
    internal Task StopAsync()
    {
        _stop?.Cancel();
        _stop = null;
        return _run;
    }

    private async Task RunAsync(Task previous, CancellationTokenSource stop)
    {
        using var owned = stop;
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A round fails when the broker is away: the next round starts over.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                await OnRoundFailedAsync(exception).ConfigureAwait(false);
            }

            await Task.Delay(Interval, _timeProvider, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await ReleaseAllAsync().ConfigureAwait(false);
    }
}
