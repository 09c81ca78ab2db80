using System.Collections.Concurrent;
using System.Globalization;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Transports;

/// <summary>Records the id of every parcel event it handles.</summary>
public sealed class HostileParcelHandler(ConcurrentDictionary<string, int> handled) : IEventHandler<ParcelSent>, IEventHandler<ParcelRouted>
{
    /// <inheritdoc />
    public Task HandleAsync(EventContext<ParcelSent> context)
    {
        handled.AddOrUpdate(context.Envelope.EventId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task HandleAsync(EventContext<ParcelRouted> context)
    {
        handled.AddOrUpdate(context.Envelope.EventId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

// Hostile input: whatever a producer sends, each event is handled or dead-lettered, and the consumers keep going.
public abstract partial class TransportConformance<TFixture>
{
    /// <summary>Gets how many generated envelopes the hostile-input test sends: HERALD_HOSTILE_COUNT, else 10,000.</summary>
    protected virtual int HostileEnvelopeCount =>
        int.TryParse(Environment.GetEnvironmentVariable("HERALD_HOSTILE_COUNT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 10_000;

    /// <summary>Gets how long the hostile-input test may take in total. Default 3 minutes.</summary>
    protected virtual TimeSpan HostileTimeout => TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Consumer_TenThousandHostileEnvelopes_EachHandledOrDeadLetteredAndTheLoopNeverFails()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(HostileTimeout);
        var cancellation = timeout.Token;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HERALD_HOSTILE_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s
            : Random.Shared.Next();
        TestContext.Current.SendDiagnosticMessage($"Hostile envelopes from seed {seed} (HERALD_HOSTILE_SEED={seed} replays them).");
        var envelopes = new HostileEnvelopes(seed).Generate(HostileEnvelopeCount);
        var topic = UniqueName("topic");
        var group = UniqueName("hostile");
        var handled = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddSingleton(handled).AddHerald(h => h
            .UseTransport(_ => new UndisposedTransport(Transport))
            .AddEvent<ParcelSent>(e => e.Topic = topic)
            .AddEvent<ParcelRouted>(e => e.Topic = topic)
            .AddUpcaster(new FailingParcelUpcaster())
            .AddHandler<HostileParcelHandler>(group)
            .ConfigureGroup(group, g => g.BatchSize = 64));
        using var host = builder.Build();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        await host.StartAsync(cancellation);
        try
        {
            var refused = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(envelopes, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellation }, async (e, ct) =>
            {
                try
                {
                    await Transport.SendAsync(topic, e.Envelope, ct);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException && !ct.IsCancellationRequested)
                {
                    refused[e.Envelope.EventId] = $"{e.Kind}: {ex.GetType().Name}: {ex.Message}";
                }
            });

            // Only what a transport cannot carry may be refused at the producer, and then with a clear error.
            Assert.All(refused.Values, r => Assert.StartsWith("valid-awkward-attributes", r, StringComparison.Ordinal));
            var expected = envelopes.Where(e => !refused.ContainsKey(e.Envelope.EventId)).ToList();
            var deadLetters = host.Services.GetRequiredService<IDeadLetters>();
            IReadOnlyList<DeadLetter> letters = [];
            List<HostileEnvelope> unsettled;
            while (true)
            {
                letters = await deadLetters.ListAsync(new DeadLetterFilter { Group = group }, CancellationToken.None);
                var settled = letters.Select(LetteredId).Concat(handled.Keys).ToHashSet(StringComparer.Ordinal);
                unsettled = [.. expected.Where(e => !settled.Contains(e.Envelope.EventId))];
                if (unsettled.Count == 0 || cancellation.IsCancellationRequested)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
            }

            Assert.True(
                unsettled.Count == 0,
                $"{unsettled.Count} of {expected.Count} envelope(s) (seed {seed}) were neither handled nor dead-lettered within {HostileTimeout} "
                + $"({handled.Count} handled, {letters.Count} dead-lettered); by kind: "
                + string.Join(", ", unsettled.GroupBy(e => e.Kind).Select(g => $"{g.Key} {g.Count()}"))
                + "; first of them: " + string.Join(" | ", unsettled.Take(5).Select(e => $"{e.Kind} v{e.Envelope.EventVersion} {Preview(e.Envelope.Data)}"))
                + "; warnings logged: " + string.Join(" | ", logs.Entries.Select(e => $"{e.Level} {e.Category}[{e.EventId.Id}] {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}").Distinct().Take(8)));
            var lettered = letters.ToDictionary(LetteredId, StringComparer.Ordinal);
            var wrong = expected
                .Where(e => (handled.ContainsKey(e.Envelope.EventId), lettered.ContainsKey(e.Envelope.EventId), e.Outcome) switch
                {
                    (true, true, _) => true,
                    (true, false, HostileOutcome.DeadLettered) => true,
                    (false, true, HostileOutcome.Handled) => true,
                    _ => false,
                })
                .Select(e => $"{e.Kind} {e.Envelope.EventId} {Preview(e.Envelope.Data)}: handled {handled.ContainsKey(e.Envelope.EventId)}, dead letter "
                    + (lettered.TryGetValue(e.Envelope.EventId, out var l) ? $"{l.Failure.Reason} {l.Failure.ExceptionMessage}" : "none"))
                .ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} envelope(s) (seed {seed}) ended wrongly:\n" + string.Join('\n', wrong.Take(20)));
            Assert.All(letters, l => Assert.Contains(l.Failure.Reason, new[] { DeadLetterReason.Undeserializable, DeadLetterReason.UnsupportedVersion, DeadLetterReason.TooLarge }));
            Assert.Empty(logs.Entries.Where(e => e.EventId.Id == 6).Select(e => e.Message + e.Exception));

            var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            TestContext.Current.SendDiagnosticMessage(
                $"{expected.Count} envelopes: {handled.Count} handled, {letters.Count} dead-lettered, {refused.Count} refused; heap +{heapGrowth / 1_048_576} MiB");
            Assert.InRange(heapGrowth, long.MinValue, MaxHostileHeapGrowth);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    // NATS dead-letters a message whose attributes it cannot read under its place in the stream, keeping the producer's
    // id as the correlation id and the raw headers as an extension.
    private static string LetteredId(DeadLetter letter) =>
        letter.Envelope.Extensions.ContainsKey("natsheaders") ? letter.Envelope.CorrelationId : letter.EventId;

    private static string Preview(ReadOnlyMemory<byte> data) =>
        System.Text.Json.JsonSerializer.Serialize(System.Text.Encoding.UTF8.GetString(data.Span[..Math.Min(data.Length, 120)]));

    /// <summary>Gets the most the managed heap may grow while the hostile-input test's events are handled and dead-lettered. Default 384 MiB.</summary>
    /// <remarks>The managed heap is the process's: test classes running in parallel count too (alone, the test grows it by 40 to 75 MiB), so the bound catches a
    /// dead-letter queue or reader that keeps what it should not (a copy per letter of 10,000), not a few megabytes.</remarks>
    protected virtual long MaxHostileHeapGrowth => 384L * 1_048_576;
}
