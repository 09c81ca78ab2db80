using Herald.Internal;
using Herald.Transports;

namespace Herald.DeadLetters;

/// <summary>The dead-letter queues of a transport: lists them, and redrives to the failed group only through its redrive topic.</summary>
/// <remarks>
/// Every subscription also consumes its group's redrive topic (<see cref="RedriveTopic"/>), which only that group
/// reads; a redrive appends the unchanged envelope there, so it reaches the failed group and no other.
/// </remarks>
/// <param name="transport">The transport the groups consume from.</param>
/// <param name="store">Where the transport keeps dead letters.</param>
/// <param name="timeProvider">The clock for redrive times and the rate limit.</param>
public sealed class DeadLetterQueues(ITransport transport, IDeadLetterStore store, TimeProvider? timeProvider = null) : IDeadLetters
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Returns the topic through which redriven events of <paramref name="topic"/> reach <paramref name="group"/> only.</summary>
    public static string RedriveTopic(string topic, string group) => Names.RedriveTopic(topic, group);

    /// <summary>The start of every redrive topic's name (<see cref="RedriveTopic"/>), which no application topic can have.</summary>
    /// <remarks>A transport that sizes topics as it meets them can give these, which carry few events, less room.</remarks>
    public const string RedriveTopicPrefix = Names.RedriveTopicPrefix;

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterFilter? filter = null, CancellationToken cancellationToken = default)
    {
        filter ??= DeadLetterFilter.All;
        var all = await store.GetAllAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(filter.Matches)
            .OrderBy(l => l.FirstDeadLetteredAt)
            .ThenBy(l => l.Group, StringComparer.Ordinal)
            .ThenBy(l => l.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<DeadLetter>> FindAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        return await ListAsync(new DeadLetterFilter { EventIds = [eventId], IncludeRedriven = true }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<DeadLetter>> RedriveAsync(DeadLetterFilter filter, RedriveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        options ??= new RedriveOptions();
        if (options.MaxPerSecond is { } rate && !(rate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, "RedriveOptions.MaxPerSecond must be positive, or null for no limit.");
        }

        // Redriven dead letters are not redriven again: they are already on their way back to the group.
        var selected = await ListAsync(filter with { IncludeRedriven = false }, cancellationToken).ConfigureAwait(false);
        if (options.DryRun)
        {
            return selected;
        }

        var redriven = new List<DeadLetter>(selected.Count);
        var interval = options.MaxPerSecond is { } perSecond ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.Zero;
        var started = _time.GetTimestamp();
        foreach (var letter in selected)
        {
            if (interval > TimeSpan.Zero)
            {
                var due = interval * redriven.Count;
                var elapsed = _time.GetElapsedTime(started);
                if (due > elapsed)
                {
                    await Task.Delay(due - elapsed, _time, cancellationToken).ConfigureAwait(false);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            await transport.SendAsync(RedriveTopic(letter.Topic, letter.Group), letter.Envelope, cancellationToken).ConfigureAwait(false);
            var marked = letter with { Status = DeadLetterStatus.Redriven, RedrivenAt = _time.GetUtcNow() };
            await store.SaveAsync(marked, cancellationToken).ConfigureAwait(false);
            redriven.Add(marked);
        }

        return redriven;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<DeadLetter>> PurgeAsync(DeadLetterFilter filter, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var selected = await ListAsync(filter, cancellationToken).ConfigureAwait(false);
        if (dryRun)
        {
            return selected;
        }

        foreach (var letter in selected)
        {
            await store.RemoveAsync(letter.Group, letter.Id, cancellationToken).ConfigureAwait(false);
        }

        return selected;
    }
}
