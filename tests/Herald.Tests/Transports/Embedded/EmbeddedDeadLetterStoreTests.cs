using System.Text;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Tests.Transports.Embedded;

/// <summary>The embedded log's dead-letter store across reopening, with letters that push the readers' limits.</summary>
public sealed class EmbeddedDeadLetterStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-dlq-store-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private EmbeddedLogTransport Open() => new(new EmbeddedLogTransportOptions { DataDirectory = _directory });

    [Fact]
    public void TheStateTopicsEveryHolderOfADirectoryRegisters_AreTheOnesTheTransportKeeps()
    {
        // And herald serve's consumer groups, kept in the same data directory.
        Assert.Equal([EmbeddedDeadLetterStore.TopicName, RetryStates.TopicName, EmbeddedSequencePositions.TopicName, "__herald.groups"], Herald.Log.StateTopic.HeraldTopics);
    }

    [Fact]
    public async Task GetAll_AfterReopening_ReadsALetterWhosePayloadIsNested63Deep()
    {
        var token = TestContext.Current.CancellationToken;
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 63)) + "1" + new string('}', 63));
        await using (var transport = Open())
        {
            await transport.DeadLetterStore.SaveAsync(Letter("deep", data), token);
        }

        await using var reopened = Open();
        var letter = Assert.Single(await reopened.DeadLetterStore.GetAllAsync(token));
        Assert.Equal(data, letter.Envelope.Data.ToArray());
    }

    [Fact]
    public async Task GetAll_OneStoredLetterUnreadable_ListsTheOthersAndSavesStillWork()
    {
        var token = TestContext.Current.CancellationToken;
        await using (var transport = Open())
        {
            await transport.DeadLetterStore.SaveAsync(Letter("good", "{}"u8.ToArray()), token);
            var topic = transport.Log.GetOrCreateTopic(EmbeddedDeadLetterStore.TopicName);
            await topic.Partitions[0].AppendAsync(new LogRecord(0, "billing\nbroken"u8.ToArray(), "{\"eventId\":"u8.ToArray()), token);
        }

        await using var reopened = Open();
        var store = (EmbeddedDeadLetterStore)reopened.DeadLetterStore;
        Assert.Equal("good", Assert.Single(await store.GetAllAsync(token)).EventId);
        Assert.Equal(["billing\nbroken"], store.Unreadable);
        await store.SaveAsync(Letter("later", "{}"u8.ToArray()), token);
        Assert.Equal(2, (await store.GetAllAsync(token)).Count);
    }

    private static DeadLetter Letter(string eventId, byte[] data) => new()
    {
        Group = "billing",
        Topic = "test.order-placed",
        Envelope = new EventEnvelope
        {
            EventId = eventId,
            EventType = "test.order-placed",
            Timestamp = Now,
            Source = "tests",
            CorrelationId = eventId,
            Data = data,
        },
        Failure = new DeadLetterFailure(DeadLetterReason.Undeserializable, "System.Text.Json.JsonException", "too deep", null, null, 0, Now, Now, Now),
    };
}
