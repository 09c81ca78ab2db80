using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Transports;

// Events over the size limits, from a producer that does not hold to them: the transport's SendAsync writes what it is
// given, as a foreign producer or a Herald producer with larger limits would, and the consumer must refuse it unread.
public abstract partial class TransportConformance<TFixture>
{
    [Fact]
    public async Task Consumer_OversizedEventsFromOutside_DeadLetteredAsTooLargeAndTheEventsAfterThemHandled()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("shipping");
        var log = new ParcelLog();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(log).AddHerald(h => h
            .UseTransport(_ => new UndisposedTransport(Transport))
            .AddEvent<ParcelSent>(e => e.Topic = topic)
            .AddHandler<ParcelHandler>(group)
            .ConfigureGroup(group, g => g.BatchSize = 64));
        using var host = builder.Build();
        await host.StartAsync(Cancellation);
        try
        {
            var limits = new EventLimits();
            var many = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i <= limits.MaxExtensions; i++)
            {
                many[$"x{i}"] = "v";
            }

            // The data is over the default MaxEventSize yet, with its headers, within NATS's default 1 MB max_payload.
            (EventEnvelope Envelope, string Limit)[] oversized =
            [
                (Parcel("conformance.parcel-sent", 2, $$"""{"name":"{{new string('b', limits.MaxEventSize)}}"}"""), "MaxEventSize"),
                (Parcel("conformance.parcel-sent", 2, """{"name":"many"}""") with { Extensions = many }, "MaxExtensions"),
                (Parcel("conformance.parcel-sent", 2, """{"name":"long"}""") with { UserId = new string('u', limits.MaxIdentifierLength + 1) }, "MaxIdentifierLength"),
                (Parcel("conformance.parcel-sent", 2, """{"name":"wide"}""") with { Extensions = new Dictionary<string, string> { ["note"] = new string('n', limits.MaxAttributeLength + 1) } }, "MaxAttributeLength"),
            ];
            await Transport.SendAsync(topic, Parcel("conformance.parcel-sent", 2, """{"name":"first"}"""), Cancellation);
            foreach (var (envelope, _) in oversized)
            {
                await Transport.SendAsync(topic, envelope, Cancellation);
            }

            await Transport.SendAsync(topic, Parcel("conformance.parcel-sent", 2, """{"name":"last"}"""), Cancellation);
            await log.Last.Task.WaitAsync(Cancellation);

            Assert.Equal(["first", "last"], log.Names);
            // A transport refuses these before the pipeline sees them and may dead-letter them beside the events after them.
            var letters = await LettersAsync(host.Services.GetRequiredService<IDeadLetters>(), group, oversized.Length);
            Assert.Equal(oversized.Length, letters.Count);
            foreach (var (envelope, limit) in oversized)
            {
                // A transport that names the letter by the message's place keeps the event id as its correlation id.
                var letter = Assert.Single(letters, l => l.EventId == envelope.EventId || l.Envelope.CorrelationId == envelope.EventId);
                Assert.Equal(DeadLetterReason.TooLarge, letter.Failure.Reason);
                Assert.Contains(limit, letter.Failure.ExceptionMessage, StringComparison.Ordinal);
                Assert.True(Mentions(letter.Envelope, envelope.EventType), $"The letter of the event over {limit} lost its type.");
                Assert.True(letter.Envelope.Data.Length <= limits.MaxEventSize, $"The letter of the event over {limit} kept {letter.Envelope.Data.Length:N0} bytes of data.");
            }

            var big = Assert.Single(letters, l => l.Failure.ExceptionMessage.Contains("MaxEventSize", StringComparison.Ordinal));
            Assert.Contains("the data was not kept", big.Failure.ExceptionMessage, StringComparison.Ordinal);
            Assert.Equal(0, big.Envelope.Data.Length);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private async Task<IReadOnlyList<DeadLetter>> LettersAsync(IDeadLetters deadLetters, string group, int expected)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var letters = await deadLetters.ListAsync(new DeadLetterFilter { Group = group }, Cancellation);
            if (letters.Count >= expected || DateTimeOffset.UtcNow >= deadline)
            {
                return letters;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Cancellation);
        }
    }

    private static bool Mentions(EventEnvelope envelope, string text) =>
        envelope.EventType == text || envelope.Extensions.Values.Any(v => v.Contains(text, StringComparison.Ordinal));
}
