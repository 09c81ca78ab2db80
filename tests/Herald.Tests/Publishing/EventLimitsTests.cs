using System.Data;
using System.Data.Common;
using Herald.Events;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Publishing;

public sealed class EventLimitsTests
{
    [Event("test.note-written")]
    public sealed record NoteWritten(string Text);

    private static readonly CancellationToken Token = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_DataAtMaxEventSize_IsPublished()
    {
        await using var harness = Harness(l => l.MaxEventSize = 1024);

        // {"text":"…"} is 11 bytes around the text.
        var envelope = await harness.PublishAsync(new NoteWritten(new string('a', 1024 - 11)));

        Assert.Equal(1024, envelope.Data.Length);
    }

    [Fact]
    public async Task Publish_DataOverMaxEventSize_ThrowsNamingTypeLimitAndSizeAndSendsNothing()
    {
        await using var harness = Harness(l => l.MaxEventSize = 1024);

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => harness.PublishAsync(new NoteWritten(new string('a', 1024 - 10))).AsTask());

        Assert.Equal(("test.note-written", "MaxEventSize", 1024L, 1025L), (error.EventType, error.Limit, error.Maximum, error.Actual));
        Assert.Contains("Event 'test.note-written' is too large: data of 1,025 bytes exceeds MaxEventSize 1,024", error.Message, StringComparison.Ordinal);
        Assert.Contains("HeraldOptions.Limits.MaxEventSize", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Published);
    }

    [Fact]
    public async Task Publish_HugePayload_StopsSerializingNearTheLimit()
    {
        await using var harness = Harness(l => { });
        var note = new NoteWritten(new string('a', 50 * 1024 * 1024));
        var before = GC.GetAllocatedBytesForCurrentThread();

        // The publish fails before its first await, so all of its work runs on this thread.
        var publish = harness.PublishAsync(note);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => publish.AsTask());
        Assert.Equal("MaxEventSize", error.Limit);
        Assert.True(allocated < 4 * 1024 * 1024, $"Refusing a 50 MB payload allocated {allocated:N0} bytes.");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("partitionkey")]
    [InlineData("correlationid")]
    [InlineData("userid")]
    public async Task Publish_IdentifierOverMaxIdentifierLength_ThrowsNamingTheAttribute(string attribute)
    {
        await using var harness = Harness(l => l.MaxIdentifierLength = 64);
        var longValue = new string('k', 65);
        var options = attribute switch
        {
            "id" => new PublishOptions { EventId = longValue },
            "partitionkey" => new PublishOptions { PartitionKey = longValue },
            "correlationid" => new PublishOptions { CorrelationId = longValue },
            _ => new PublishOptions { UserId = longValue },
        };

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => harness.PublishAsync(new NoteWritten("n"), options).AsTask());

        Assert.Equal(("MaxIdentifierLength", attribute, 64L, 65L), (error.Limit, error.Attribute, error.Maximum, error.Actual));
        Assert.Contains($"attribute '{attribute}' of 65 characters exceeds MaxIdentifierLength 64", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Published);
    }

    [Fact]
    public async Task Publish_MoreHeadersThanMaxExtensions_Throws()
    {
        await using var harness = Harness(l => l.MaxExtensions = 2);
        var options = new PublishOptions();
        foreach (var name in (string[])["tenant", "region", "channel"])
        {
            options.Headers[name] = "x";
        }

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => harness.PublishAsync(new NoteWritten("n"), options).AsTask());

        Assert.Equal(("MaxExtensions", 2L, 3L), (error.Limit, error.Maximum, error.Actual));
        Assert.Contains("3 extension attributes exceed MaxExtensions 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_HeaderValueOverMaxAttributeLength_ThrowsNamingTheHeader()
    {
        await using var harness = Harness(l => l.MaxAttributeLength = 256);
        var options = new PublishOptions { Headers = { ["tenant"] = new string('t', 257) } };

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => harness.PublishAsync(new NoteWritten("n"), options).AsTask());

        Assert.Equal(("MaxAttributeLength", "tenant", 257L), (error.Limit, error.Attribute, error.Actual));
    }

    [Fact]
    public async Task HandlerPublish_OverMaxEventSize_FailsTheHandlerWithTheLimitNamed()
    {
        await using var harness = HeraldTestHarness.Create(h =>
        {
            h.Options.Limits.MaxEventSize = 1024;
            h.AddEvent<NoteWritten>().AddEvent<NoteCopied>().AddHandler<CopyingHandler>("copier").ConfigureGroup("copier", g => g.DelayedRetries = 0);
        });

        await harness.PublishAsync(new NoteWritten(new string('a', 1000)));
        await harness.ProcessPendingAsync(cancellationToken: Token);

        var failure = Assert.Single(harness.FailedIn("copier"));
        var error = Assert.IsType<EventTooLargeException>(failure.Exception);
        Assert.Equal(("test.note-copied", "MaxEventSize"), (error.EventType, error.Limit));
        Assert.Empty(harness.PublishedOf<NoteCopied>());
    }

    [Fact]
    public async Task OutboxPublish_DataOverMaxEventSize_ThrowsBeforeAnythingIsWritten()
    {
        var store = new RecordingOutboxStore();
        await using var services = new ServiceCollection()
            .AddHerald(h =>
            {
                h.Options.Limits.MaxEventSize = 1024;
                h.UseInMemoryTransport().AddEvent<NoteWritten>().UseOutbox(_ => store);
            })
            .BuildServiceProvider();
        var outbox = services.GetRequiredService<IOutboxPublisher>();
        await using var transaction = new NoTransaction();

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => outbox.PublishAsync(transaction, new NoteWritten(new string('a', 2000)), cancellationToken: Token).AsTask());

        Assert.Equal("MaxEventSize", error.Limit);
        Assert.Equal(0, store.Added);
        await outbox.PublishAsync(transaction, new NoteWritten("small"), cancellationToken: Token);
        Assert.Equal(1, store.Added);
    }

    [Theory]
    [InlineData("MaxEventSize", 1023, "HeraldOptions.Limits.MaxEventSize is 1,023; it must be from 1,024 to 67,108,864.")]
    [InlineData("MaxExtensions", -1, "HeraldOptions.Limits.MaxExtensions is -1; it must be from 0 to 1,024.")]
    [InlineData("MaxAttributeLength", 100, "HeraldOptions.Limits.MaxAttributeLength is 100; it must be from 256 to 65,536.")]
    [InlineData("MaxIdentifierLength", 5000, "HeraldOptions.Limits.MaxIdentifierLength is 5,000; it must be from 36 to 4,096.")]
    public void Start_LimitOutOfRange_FailsNamingItAndItsRange(string limit, int value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h =>
        {
            var limits = h.Options.Limits;
            _ = limit switch
            {
                "MaxEventSize" => limits.MaxEventSize = value,
                "MaxExtensions" => limits.MaxExtensions = value,
                "MaxAttributeLength" => limits.MaxAttributeLength = value,
                _ => limits.MaxIdentifierLength = value,
            };
            h.AddEvent<NoteWritten>();
        }));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void DeadLetterJson_TooLargeLetter_RoundTripsItsReasonAsTooLarge()
    {
        var letter = new Herald.DeadLetters.DeadLetter
        {
            Group = "readers",
            Topic = "notes",
            Envelope = Note("big", []),
            Failure = new Herald.DeadLetters.DeadLetterFailure(Herald.DeadLetters.DeadLetterReason.TooLarge, typeof(EventTooLargeException).FullName!,
                "data of 4,096 bytes exceeds MaxEventSize 1,024; the data was not kept", null, null, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch),
        };

        var json = Herald.DeadLetters.DeadLetterJson.ToUtf8Bytes(letter);

        Assert.Contains("\"reason\":\"too-large\"", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(Herald.DeadLetters.DeadLetterReason.TooLarge, Herald.DeadLetters.DeadLetterJson.Read(json).Failure.Reason);
    }

    [Fact]
    public void Defaults_FitEveryTransportOutOfTheBox()
    {
        var limits = new EventLimits();

        // NATS's default max_payload is 1 MiB for the data and the header block together.
        Assert.Equal(512 * 1024, limits.MaxEventSize);
        Assert.Equal((64, 4096, 256), (limits.MaxExtensions, limits.MaxAttributeLength, limits.MaxIdentifierLength));
        limits.Validate();
    }

    [Fact]
    public async Task InMemoryTransport_EventOverItsLimitsFromALargerProducer_IsHandedOutAsTooLargeWithoutItsData()
    {
        var transport = new InMemoryTransport(new InMemoryTransportOptions { PartitionCount = 1 }, limits: new EventLimits { MaxEventSize = 1024 });
        await transport.SendAsync("notes", Note("big", new byte[4096]), Token);
        await using var listener = await transport.ListenAsync("notes", "readers", Token);
        var deliveries = new List<Herald.Transports.TransportDelivery>();

        Assert.Equal(1, listener.TryReceive(deliveries, 10));

        var delivery = Assert.Single(deliveries);
        Assert.Equal(("big", 0), (delivery.Envelope.EventId, delivery.Envelope.Data.Length));
        var error = Assert.IsType<EventTooLargeException>(delivery.Unreadable);
        Assert.Contains("data of 4,096 bytes exceeds MaxEventSize 1,024; the data was not kept", error.Message, StringComparison.Ordinal);
    }

    private static EventEnvelope Note(string id, byte[] data) => new()
    {
        EventId = id,
        EventType = "test.note-written",
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "/tests",
        CorrelationId = id,
        Data = data,
    };

    private static HeraldTestHarness Harness(Action<EventLimits> limits) =>
        HeraldTestHarness.Create(h =>
        {
            limits(h.Options.Limits);
            h.AddEvent<NoteWritten>();
        });

    [Event("test.note-copied")]
    public sealed record NoteCopied(string Text, string Copy);

    /// <summary>Publishes a copy that holds the note twice: over MaxEventSize when the note is over half of it.</summary>
    public sealed class CopyingHandler : Herald.Consuming.IEventHandler<NoteWritten>
    {
        /// <inheritdoc />
        public async Task HandleAsync(Herald.Consuming.EventContext<NoteWritten> context) =>
            await context.PublishAsync(new NoteCopied(context.Event.Text, context.Event.Text));
    }

    private sealed class RecordingOutboxStore : IOutboxStore
    {
        public int Added { get; private set; }

        public ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
        {
            Added += entries.Count;
            return ValueTask.CompletedTask;
        }

        public ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken) => new([]);

        public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) => new(0);

        public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => new(new OutboxStatistics(0, TimeSpan.Zero));

        public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class NoTransaction : DbTransaction
    {
        public override IsolationLevel IsolationLevel => IsolationLevel.ReadCommitted;

        protected override DbConnection? DbConnection => null;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
