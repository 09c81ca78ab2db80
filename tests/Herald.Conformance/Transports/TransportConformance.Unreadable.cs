using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Events.Upcasting;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Transports;

/// <summary>An event whose constructor refuses a null name, as a record with a guard clause does.</summary>
[Event("conformance.parcel-sent", Version = 2)]
public sealed record ParcelSent
{
    /// <summary>Creates the event; throws when <paramref name="name"/> is null.</summary>
    public ParcelSent(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>Gets the parcel's name.</summary>
    public string Name { get; }
}

/// <summary>The destination of a routed parcel; abstract, so JSON cannot create one.</summary>
public abstract class ParcelRoute
{
    /// <summary>Gets the route's code.</summary>
    public string? Code { get; init; }
}

/// <summary>An event with an abstract-typed property.</summary>
[Event("conformance.parcel-routed")]
public sealed record ParcelRouted(string Name, ParcelRoute? Route);

/// <summary>Records the names of the parcels it handles.</summary>
public sealed class ParcelLog
{
    /// <summary>Gets the names handled, in order.</summary>
    public ConcurrentQueue<string> Names { get; } = new();

    /// <summary>Gets a task that completes when the parcel named "last" is handled.</summary>
    public TaskCompletionSource Last { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records <paramref name="name"/>.</summary>
    public void Add(string name)
    {
        Names.Enqueue(name);
        if (name == "last")
        {
            Last.TrySetResult();
        }
    }
}

/// <summary>Handles both parcel events by recording them.</summary>
public sealed class ParcelHandler(ParcelLog log) : IEventHandler<ParcelSent>, IEventHandler<ParcelRouted>
{
    /// <inheritdoc />
    public Task HandleAsync(EventContext<ParcelSent> context)
    {
        log.Add(context.Event.Name);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task HandleAsync(EventContext<ParcelRouted> context)
    {
        log.Add(context.Event.Name);
        return Task.CompletedTask;
    }
}

/// <summary>An upcaster that fails on every payload.</summary>
public sealed class FailingParcelUpcaster : IEventUpcaster
{
    /// <inheritdoc />
    public string EventName => "conformance.parcel-sent";

    /// <inheritdoc />
    public int FromVersion => 1;

    /// <inheritdoc />
    public int ToVersion => 2;

    /// <inheritdoc />
    public JsonObject Upcast(JsonObject data) => throw new InvalidOperationException("The v1 parcel has no name to carry over.");
}

// The consumer pipeline over the transport: what a transport hands over must reach a handler or the dead-letter queue.
public abstract partial class TransportConformance<TFixture>
{
    [Fact]
    public async Task Consumer_UnreadableEventOfEachKind_DeadLetteredAndTheEventsAfterItInTheBatchHandled()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("shipping");
        var log = new ParcelLog();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(log).AddHerald(h => h
            .UseTransport(_ => new UndisposedTransport(Transport))
            .AddEvent<ParcelSent>(e => e.Topic = topic)
            .AddEvent<ParcelRouted>(e => e.Topic = topic)
            .AddUpcaster(new FailingParcelUpcaster())
            .AddHandler<ParcelHandler>(group)
            .ConfigureGroup(group, g => g.BatchSize = 64));
        using var host = builder.Build();
        await host.StartAsync(Cancellation);
        try
        {
            (string Type, int Version, string Data, string? Reason)[] events =
            [
                ("conformance.parcel-sent", 2, """{"name":"first"}""", null),
                ("conformance.parcel-sent", 2, """{"name":""", "not JSON"),
                ("conformance.parcel-sent", 2, "null", "JSON null"),
                ("conformance.parcel-sent", 2, """{"name":null}""", "a constructor that throws"),
                ("conformance.parcel-routed", 1, """{"name":"routed","route":null}""", null),
                ("conformance.parcel-routed", 1, """{"name":"abstract","route":{"code":"x"}}""", "an abstract-typed property"),
                ("conformance.parcel-sent", 1, """{"label":"old"}""", "an upcaster that throws"),
                ("conformance.parcel-sent", 3, """{"name":"newer"}""", "a version no upcaster reaches"),
                ("conformance.parcel-sent", 2, """{"name":"last"}""", null),
            ];
            var sent = new List<(EventEnvelope Envelope, string? Reason)>();
            foreach (var (type, version, data, reason) in events)
            {
                var envelope = Parcel(type, version, data);
                await Transport.SendAsync(topic, envelope, Cancellation);
                sent.Add((envelope, reason));
            }

            await log.Last.Task.WaitAsync(Cancellation);

            Assert.Equal(["first", "routed", "last"], log.Names);
            var letters = await host.Services.GetRequiredService<IDeadLetters>().ListAsync(new DeadLetterFilter { Group = group }, Cancellation);
            var expected = sent.Where(s => s.Reason is not null).ToList();
            Assert.Equal(
                expected.Select(s => s.Envelope.EventId).Order(StringComparer.Ordinal),
                letters.Select(l => l.EventId).Order(StringComparer.Ordinal));
            Assert.All(letters, l => Assert.Contains(l.Failure.Reason, new[] { DeadLetterReason.Undeserializable, DeadLetterReason.UnsupportedVersion }));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static EventEnvelope Parcel(string type, int version, string data) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = type,
        EventVersion = version,
        Timestamp = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Source = "/herald/conformance",
        CorrelationId = "parcel",
        PartitionKey = "parcel",
        Data = Encoding.UTF8.GetBytes(data),
    };
}
