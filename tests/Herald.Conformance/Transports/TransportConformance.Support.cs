using System.Text;
using Herald.Events;
using Herald.Transports;

namespace Herald.Conformance.Transports;

// Setup, naming, envelopes and the bounded receive helpers the tests share.
public abstract partial class TransportConformance<TFixture> : IAsyncLifetime
{
    private const string SequencedType = "conformance.sequenced";
    private readonly TFixture _fixture;
    private readonly List<ITransportListener> _listeners = [];
    private CancellationTokenSource? _timeout;
    private ITransport? _transport;

    /// <summary>Creates the suite over the class's fixture.</summary>
    protected TransportConformance(TFixture fixture) => _fixture = fixture;

    /// <summary>Gets the transport of the running test.</summary>
    protected ITransport Transport => _transport ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <summary>Gets a token cancelled when the test has run for <see cref="ReceiveTimeout"/>.</summary>
    protected CancellationToken Cancellation => _timeout?.Token ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <summary>Gets how long one test may wait for deliveries in total before it fails. Default 5 seconds.</summary>
    protected virtual TimeSpan ReceiveTimeout => TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _timeout.CancelAfter(ReceiveTimeout);
        _transport = await _fixture.CreateTransportAsync(_timeout.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        await TransportDisposal.DisposeAsync(_transport);
        _timeout?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Checks that a timestamp survived the transport; override when a transport rounds it (to microseconds, say).</summary>
    protected virtual void AssertTimestampEqual(DateTimeOffset expected, DateTimeOffset actual) => Assert.Equal(expected, actual);

    /// <summary>Returns a name no other test uses, for topics and groups on a shared broker.</summary>
    protected virtual string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<ITransportListener> ListenAsync(string topic, string group)
    {
        var listener = await Transport.ListenAsync(topic, group, Cancellation);
        _listeners.Add(listener);
        return listener;
    }

    /// <summary>Waits briefly for the lag to settle: a transport may apply completions asynchronously (a listener pushes commits when it next receives).</summary>
    private async Task AssertLagAsync(string topic, string group, long expected)
    {
        long lag = -1;
        for (var i = 0; i < 100 && lag != expected; i++)
        {
            lag = (await Transport.GetLagAsync(topic, group, Cancellation))!.Sum(p => p.Lag);
            if (lag != expected)
            {
                await Task.Delay(20, Cancellation);
            }
        }

        Assert.Equal(expected, lag);
    }

    private async Task LeaveAsync(ITransportListener listener)
    {
        _listeners.Remove(listener);
        await listener.DisposeAsync();
    }

    /// <summary>Publishes <paramref name="count"/> events per key, interleaving the keys; sequences count per key from 0.</summary>
    private async Task<List<EventEnvelope>> PublishAsync(string topic, string[] keys, int count)
    {
        var sent = new List<EventEnvelope>(keys.Length * count);
        for (var sequence = 0; sequence < count; sequence++)
        {
            foreach (var key in keys)
            {
                var envelope = Sequenced(key, sequence);
                await Transport.SendAsync(topic, envelope, Cancellation);
                sent.Add(envelope);
            }
        }

        return sent;
    }

    private static EventEnvelope Sequenced(string key, long sequence, string type = SequencedType) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = type,
        Timestamp = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Source = "/herald/conformance",
        CorrelationId = key,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":{{sequence}}}"""),
    };

    private static string[] Keys(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();

    private static List<string> Ids(IEnumerable<TransportDelivery> deliveries) =>
        deliveries.Select(d => d.Envelope.EventId).Order(StringComparer.Ordinal).ToList();

    private static List<string> Ids(IEnumerable<EventEnvelope> envelopes) =>
        envelopes.Select(e => e.EventId).Order(StringComparer.Ordinal).ToList();

    /// <summary>Receives exactly <paramref name="count"/> deliveries, waiting on the listener's signal; fails on timeout or close.</summary>
    private async Task<List<TransportDelivery>> ReceiveAsync(ITransportListener listener, int count, int batchSize = int.MaxValue)
    {
        var received = new List<TransportDelivery>(count);
        try
        {
            while (received.Count < count)
            {
                if (TryReceive(listener, received, Math.Min(batchSize, count - received.Count)) == 0
                    && !await WaitAsync(listener, Cancellation))
                {
                    Assert.Fail($"The listener closed after {received.Count} of {count} deliveries.");
                }
            }
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            Assert.Fail($"Timed out after {ReceiveTimeout} with {received.Count} of {count} deliveries.");
        }

        Assert.Equal(count, received.Count);
        return received;
    }

    /// <summary>Runs one receive loop per listener until they have <paramref name="count"/> deliveries between them.</summary>
    /// <returns>Each listener's deliveries, in the order of <paramref name="listeners"/>.</returns>
    private async Task<List<TransportDelivery>[]> ReceiveTogetherAsync(IReadOnlyList<ITransportListener> listeners, int count)
    {
        using var allReceived = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var total = 0;
        var results = await Task.WhenAll(listeners.Select(ReceiveUntilAllAsync));
        if (Cancellation.IsCancellationRequested)
        {
            Assert.Fail($"Timed out after {ReceiveTimeout} with {total} of {count} deliveries.");
        }

        return results;

        async Task<List<TransportDelivery>> ReceiveUntilAllAsync(ITransportListener listener)
        {
            var mine = new List<TransportDelivery>();
            try
            {
                while (true)
                {
                    var added = TryReceive(listener, mine, int.MaxValue);
                    if (Interlocked.Add(ref total, added) >= count)
                    {
                        await allReceived.CancelAsync();
                        return mine;
                    }

                    if (added == 0 && !await WaitAsync(listener, allReceived.Token))
                    {
                        Assert.Fail("A listener closed while its group still had events to receive.");
                    }
                }
            }
            catch (OperationCanceledException) when (allReceived.IsCancellationRequested)
            {
                // Another loop saw the last delivery, or the test timed out (checked by the caller).
                return mine;
            }
            catch
            {
                // Stop the other loops now rather than at the timeout.
                await allReceived.CancelAsync();
                throw;
            }
        }
    }

    /// <summary>Calls <see cref="ITransportListener.TryReceive"/>, checking that it adds at most <paramref name="maxCount"/> and returns how many it added.</summary>
    private static int TryReceive(ITransportListener listener, List<TransportDelivery> deliveries, int maxCount)
    {
        var before = deliveries.Count;
        var added = listener.TryReceive(deliveries, maxCount);
        Assert.Equal(deliveries.Count - before, added);
        Assert.InRange(added, 0, maxCount);
        return added;
    }

    /// <summary>Waits for the listener's signal, bounded by <paramref name="cancellationToken"/> even when the transport ignores it.</summary>
    private static Task<bool> WaitAsync(ITransportListener listener, CancellationToken cancellationToken) =>
        listener.WaitToReceiveAsync(cancellationToken).AsTask().WaitAsync(cancellationToken);

    /// <summary>Checks that every attribute of <paramref name="actual"/> equals that of <paramref name="expected"/>.</summary>
    private void AssertEnvelopeEqual(EventEnvelope expected, EventEnvelope actual)
    {
        Assert.Equal(expected.EventId, actual.EventId);
        Assert.Equal(expected.EventType, actual.EventType);
        Assert.Equal(expected.EventVersion, actual.EventVersion);
        AssertTimestampEqual(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.CausationId, actual.CausationId);
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.TraceParent, actual.TraceParent);
        Assert.Equal(expected.PartitionKey, actual.PartitionKey);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.Depth, actual.Depth);
        Assert.Equal(expected.DataContentType, actual.DataContentType);
        Assert.Equal(
            expected.Extensions.OrderBy(e => e.Key, StringComparer.Ordinal),
            actual.Extensions.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
    }
}
