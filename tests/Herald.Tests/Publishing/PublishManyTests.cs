using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Log;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Publishing;

public sealed class PublishManyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-publish-many-" + Guid.NewGuid().ToString("N"));

    [Event("test.line-added")]
    public sealed record LineAdded(string Cart, int Line, string Text = "");

    [Event("test.cart-closed")]
    public sealed record CartClosed(string Cart);

    public sealed class LineJournal
    {
        private readonly Lock _sync = new();
        private readonly List<LineAdded> _lines = [];

        public void Add(LineAdded line)
        {
            lock (_sync)
            {
                _lines.Add(line);
            }
        }

        public List<LineAdded> Lines
        {
            get
            {
                lock (_sync)
                {
                    return [.. _lines];
                }
            }
        }
    }

    public sealed class RecordLine(LineJournal journal) : IEventHandler<LineAdded>
    {
        public Task HandleAsync(EventContext<LineAdded> context)
        {
            journal.Add(context.Event);
            return Task.CompletedTask;
        }
    }

    public sealed class CloseCartInTwoSteps : IEventHandler<CartClosed>
    {
        public async Task HandleAsync(EventContext<CartClosed> context) =>
            await context.PublishManyAsync([new LineAdded(context.Event.Cart, -1), new LineAdded(context.Event.Cart, -2)]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task PublishManyAsync_InterleavedKeys_EachKeyIsHandledInBatchOrder()
    {
        var journal = new LineJournal();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<RecordLine>("carts").ConfigureGroup("carts", g => g.MaxConcurrentKeys = 8),
            s => s.AddSingleton(journal));
        var lines = Enumerable.Range(0, 60).Select(i => new LineAdded($"cart-{i % 3}", i / 3)).ToList();

        var envelopes = await harness.PublishManyAsync(lines, line => new PublishOptions { PartitionKey = line.Cart });
        await harness.ProcessPendingAsync();

        Assert.Equal(lines.Count, envelopes.Count);
        Assert.Equal(lines.Select(l => l.Cart), envelopes.Select(e => e.PartitionKey));
        Assert.Equal(envelopes.Select(e => e.EventId), harness.Published.Select(p => p.Envelope.EventId));
        foreach (var cart in journal.Lines.GroupBy(l => l.Cart))
        {
            Assert.Equal(Enumerable.Range(0, 20), cart.Select(l => l.Line));
        }
    }

    [Fact]
    public async Task PublishManyAsync_EmbeddedLog_AcknowledgesTheBatchWithOneCommit()
    {
        await using var harness = EmbeddedHarness();
        var partitions = Partitions(harness, typeof(LineAdded));
        var lines = Enumerable.Range(0, 500).Select(i => new LineAdded("cart", i)).ToList();

        var keyless = await harness.PublishManyAsync(lines);
        var afterKeyless = Commits(partitions);
        await harness.PublishManyAsync(lines, _ => new PublishOptions { PartitionKey = "one-key" });
        var afterKeyed = Commits(partitions);
        for (var i = 0; i < 10; i++)
        {
            await harness.PublishAsync(lines[i]);
        }

        // The batch's events without a key share one partition, so each batch is one commit group: one fsync.
        Assert.Equal(500, keyless.Count);
        Assert.Equal(1, afterKeyless);
        Assert.Equal(2, afterKeyed);
        Assert.Equal(12, Commits(partitions));
        Assert.Equal(1_010, partitions.Sum(p => p.EndOffset));
    }

    [Fact]
    public async Task PublishManyAsync_EmbeddedLog_KeysOverSeveralPartitions_OneCommitPerPartitionAndEveryEventHandledInOrder()
    {
        var journal = new LineJournal();
        await using var harness = EmbeddedHarness(h => h.AddHandler<RecordLine>("carts"), journal);
        var partitions = Partitions(harness, typeof(LineAdded));
        var lines = Enumerable.Range(0, 400).Select(i => new LineAdded($"cart-{i % 40}", i / 40)).ToList();

        await harness.PublishManyAsync(lines, line => new PublishOptions { PartitionKey = line.Cart });
        await harness.ProcessPendingAsync();

        var touched = partitions.Count(p => p.EndOffset > 0);
        Assert.Equal(touched, Commits(partitions));
        Assert.Equal(400, journal.Lines.Count);
        foreach (var cart in journal.Lines.GroupBy(l => l.Cart))
        {
            Assert.Equal(Enumerable.Range(0, 10), cart.Select(l => l.Line));
        }
    }

    [Fact]
    public async Task PublishManyAsync_OneEventOverTheSizeLimit_ThrowsNamingItAndSendsNothing()
    {
        await using var harness = EmbeddedHarness(h => h.Options.Limits.MaxEventSize = 1024);
        var partitions = Partitions(harness, typeof(LineAdded));
        LineAdded[] lines = [new("cart", 1), new("cart", 2, new string('x', 2048)), new("cart", 3)];

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => harness.PublishManyAsync(lines).AsTask());

        Assert.Equal(("test.line-added", "MaxEventSize"), (error.EventType, error.Limit));
        Assert.Empty(harness.Published);
        Assert.Equal(0, partitions.Sum(p => p.EndOffset));
        Assert.Equal(0, Commits(partitions));
    }

    [Fact]
    public async Task PublishManyAsync_UnregisteredOrNullEvent_ThrowsAndSendsNothing()
    {
        await using var harness = EmbeddedHarness();
        var partitions = Partitions(harness, typeof(LineAdded));

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.PublishManyAsync<object>([new LineAdded("cart", 1), new NotAnnotated("x")]).AsTask());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => harness.PublishManyAsync<LineAdded>([new("cart", 1), null!]).AsTask());

        Assert.Contains("Event 1 of the batch is null", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Published);
        Assert.Equal(0, partitions.Sum(p => p.EndOffset));
    }

    [Fact]
    public async Task PublishManyAsync_EmptyBatch_PublishesNothing()
    {
        await using var harness = EmbeddedHarness();

        var envelopes = await harness.PublishManyAsync(Array.Empty<LineAdded>());

        Assert.Empty(envelopes);
        Assert.Empty(harness.Published);
    }

    [Fact]
    public async Task PublishManyAsync_SeveralTypes_EachGoesToItsTopicWithItsOptions()
    {
        var journal = new LineJournal();
        await using var harness = EmbeddedHarness(h => h.AddHandler<RecordLine>("carts").AddEvent<CartClosed>(), journal);

        var envelopes = await harness.PublishManyAsync<object>(
            [new LineAdded("c1", 0), new CartClosed("c1"), new LineAdded("c1", 1)],
            e => new PublishOptions { EventId = $"id-{e.GetType().Name}-{e.GetHashCode()}", UserId = "u1" });
        await harness.ProcessPendingAsync();

        Assert.Equal(["test.line-added", "test.cart-closed", "test.line-added"], envelopes.Select(e => e.EventType));
        Assert.All(envelopes, e => Assert.Equal("u1", e.UserId));
        Assert.All(envelopes, e => Assert.StartsWith("id-", e.EventId, StringComparison.Ordinal));
        Assert.Equal([0, 1], journal.Lines.Select(l => l.Line));
        Assert.Equal(1, Partitions(harness, typeof(CartClosed)).Sum(p => p.EndOffset));
    }

    [Fact]
    public async Task PublishManyAsync_InsideAHandler_TakesTheHandledEventAsCause()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<CloseCartInTwoSteps>("carts").AddEvent<LineAdded>());

        var closed = await harness.PublishAsync(new CartClosed("c9"));
        await harness.ProcessPendingAsync();

        var caused = harness.Published.Where(p => p.Event is LineAdded).Select(p => p.Envelope).ToList();
        Assert.Equal(2, caused.Count);
        Assert.All(caused, e => Assert.Equal((closed.EventId, closed.CorrelationId, 1), (e.CausationId, e.CorrelationId, e.Depth)));
        Assert.Equal([-1, -2], harness.PublishedOf<LineAdded>().Select(l => l.Line));
    }

    private HeraldTestHarness EmbeddedHarness(Action<HeraldBuilder>? configure = null, LineJournal? journal = null) =>
        HeraldTestHarness.Create(
            h =>
            {
                h.UseEmbeddedLog(o => o.DataDirectory = _directory).AddEvent<LineAdded>();
                configure?.Invoke(h);
            },
            s => s.AddSingleton(journal ?? new LineJournal()));

    private static IReadOnlyList<LogPartition> Partitions(HeraldTestHarness harness, Type eventType) =>
        ((EmbeddedLogTransport)harness.Transport).Log.GetOrCreateTopic(harness.Registry.Get(eventType).Topic).Partitions;

    private static long Commits(IReadOnlyList<LogPartition> partitions) => partitions.Sum(p => p.CommitCount);
}
