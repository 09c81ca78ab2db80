using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Testing;

/// <summary>Runs an application's Herald configuration in a test: publish, process until nothing is left, inspect.</summary>
/// <remarks>
/// Consumers run in the test's own flow, never in the background: <see cref="ProcessPendingAsync"/>
/// hands every ready delivery to its handler, repeats until no work is left and returns, so a test
/// needs no sleeps and no timeouts. Time comes from <see cref="Time"/>, a <see cref="FakeTimeProvider"/>:
/// a failed event waits for its redelivery delay until the test advances the clock. The transport is
/// in-memory unless the configuration chooses another.
/// </remarks>
public sealed class HeraldTestHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly EventRecorder _recorder;
    private readonly IConsumerDriver _driver;

    private HeraldTestHarness(ServiceProvider services, FakeTimeProvider time, EventRecorder recorder)
    {
        _services = services;
        Time = time;
        _recorder = recorder;
        _driver = services.GetRequiredService<IConsumerDriver>();
        Publisher = services.GetRequiredService<IEventPublisher>();
        Transport = services.GetRequiredService<ITransport>();
        Registry = services.GetRequiredService<EventTypeRegistry>();
    }

    /// <summary>Gets the clock every Herald component of the harness reads.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Gets the application's services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Gets the publisher, as handlers get it.</summary>
    public IEventPublisher Publisher { get; }

    /// <summary>Gets the transport.</summary>
    public ITransport Transport { get; }

    /// <summary>Gets the registered event types.</summary>
    public EventTypeRegistry Registry { get; }

    /// <summary>Gets every event published so far, by the test or by handlers, in publish order.</summary>
    public IReadOnlyList<PublishedEvent> Published => _recorder.Published;

    /// <summary>Gets every successful handling so far, in order.</summary>
    public IReadOnlyList<HandledEvent> Handled => _recorder.Handled;

    /// <summary>Gets every failed handling attempt so far, in order.</summary>
    public IReadOnlyList<FailedEvent> Failed => _recorder.Failed;

    /// <summary>Gets every event a group skipped because it has no handler for its type.</summary>
    public IReadOnlyList<(string Group, EventEnvelope Envelope)> Ignored => _recorder.Ignored;

    /// <summary>Gets the events the inbox skipped as duplicates, with their consumer group, in order.</summary>
    public IReadOnlyList<(string Group, EventEnvelope Envelope)> Duplicates => _recorder.Duplicates;

    /// <summary>Gets the events consumer groups put in their dead-letter queues, in order.</summary>
    public IReadOnlyList<DeadLetter> DeadLettered => _recorder.DeadLettered;

    /// <summary>Gets the dead-letter queues, to list, redrive and purge them as an operator would.</summary>
    public IDeadLetters DeadLetters => _services.GetRequiredService<IDeadLetters>();

    /// <summary>Creates a harness from the application's Herald configuration.</summary>
    /// <param name="configure">The same configuration the application passes to <c>AddHerald</c>.</param>
    /// <param name="configureServices">Registers the services the handlers need.</param>
    /// <param name="start">The fake clock's start. Default 2026-01-01T00:00:00Z.</param>
    /// <exception cref="InvalidOperationException">The configuration is inconsistent; the message names what to fix.</exception>
    public static HeraldTestHarness Create(Action<HeraldBuilder> configure, Action<IServiceCollection>? configureServices = null, DateTimeOffset? start = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var time = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var recorder = new EventRecorder();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IEventObserver>(recorder);
        configureServices?.Invoke(services);
        services.AddHerald(h =>
        {
            h.UseInMemoryTransport();
            configure(h);
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            return new HeraldTestHarness(provider, time, recorder);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>Publishes an event as the application would; handlers run on the next <see cref="ProcessPendingAsync"/>.</summary>
    public ValueTask<EventEnvelope> PublishAsync<TEvent>(TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull =>
        Publisher.PublishAsync(@event, options, cancellationToken);

    /// <summary>Publishes a batch of events as the application would (<see cref="IEventPublisher.PublishManyAsync{TEvent}"/>); handlers run on the next <see cref="ProcessPendingAsync"/>.</summary>
    public ValueTask<IReadOnlyList<EventEnvelope>> PublishManyAsync<TEvent>(IEnumerable<TEvent> events, Func<TEvent, PublishOptions?>? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull =>
        Publisher.PublishManyAsync(events, options, cancellationToken);

    /// <summary>Handles deliveries until none is ready, including events that handlers publish; returns how many were handled or failed.</summary>
    /// <param name="maxDeliveries">A guard against a chain that never ends. Default 100,000.</param>
    /// <param name="cancellationToken">Cancels the processing.</param>
    /// <exception cref="InvalidOperationException">More than <paramref name="maxDeliveries"/> deliveries were processed.</exception>
    public async Task<int> ProcessPendingAsync(int maxDeliveries = 100_000, CancellationToken cancellationToken = default)
    {
        var total = 0;
        int processed;
        while ((processed = await _driver.ProcessAvailableAsync(cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += processed;
            if (total > maxDeliveries)
            {
                throw new InvalidOperationException(
                    $"Processing did not settle after {total} deliveries: a handler chain may never end. Raise maxDeliveries if this is expected.");
            }
        }

        return total;
    }

    /// <summary>Moves the clock forward by <paramref name="by"/>, running everything that falls due within it at its own due time.</summary>
    /// <remarks>
    /// Processes what is ready now, then steps the clock to the next due time within the span (a redelivery, a deferral, a
    /// key lane's retry, the end of an open circuit's break), processes until nothing is ready, and repeats until the
    /// span is covered; the fake clock's own timers fire at their due times on the way. A handler failing repeatedly is
    /// thus retried on its whole redelivery schedule within one call, each attempt at its time: a minute covers attempts
    /// after 1, 2, 4, 8, 16 s with the defaults. What falls due after the span waits for the next call.
    /// </remarks>
    /// <param name="by">How far to move the clock; zero processes what is ready now.</param>
    /// <param name="cancellationToken">Cancels the processing.</param>
    /// <returns>How many deliveries were handled or failed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">One step processed more than 100,000 deliveries (see <see cref="ProcessPendingAsync"/>).</exception>
    public async Task<int> AdvanceTimeAsync(TimeSpan by, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var end = Time.GetUtcNow() + by;
        var total = await ProcessPendingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        // The driver names only due times after now, and each step moves the clock to one: the loop ends at the span's end.
        while (_driver.GetNextDueTime() is { } due && due <= end)
        {
            Time.Advance(due - Time.GetUtcNow());
            total += await ProcessPendingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        Time.Advance(end - Time.GetUtcNow());
        return total + await ProcessPendingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the events of type <typeparamref name="TEvent"/> published so far.</summary>
    public IReadOnlyList<TEvent> PublishedOf<TEvent>() => [.. Published.Select(p => p.Event).OfType<TEvent>()];

    /// <summary>Gets the events of type <typeparamref name="TEvent"/> that <paramref name="group"/> handled, in order.</summary>
    public IReadOnlyList<TEvent> HandledBy<TEvent>(string group) =>
        [.. Handled.Where(h => h.Group == group).Select(h => h.Event).OfType<TEvent>()];

    /// <summary>Gets the failed attempts of <paramref name="group"/>, in order.</summary>
    public IReadOnlyList<FailedEvent> FailedIn(string group) => [.. Failed.Where(f => f.Group == group)];

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
