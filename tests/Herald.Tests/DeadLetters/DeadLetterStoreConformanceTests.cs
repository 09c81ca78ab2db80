using Herald.Conformance.DeadLetters;
using Herald.DeadLetters;
using Herald.Log.Storage;
using Herald.Transports.Embedded;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.DeadLetters;

public sealed class InMemoryDeadLetterStoreConformanceTests(InMemoryDeadLetterStoreFixture fixture) : DeadLetterStoreConformance<InMemoryDeadLetterStoreFixture>(fixture);

public sealed class EmbeddedDeadLetterStoreConformanceTests(EmbeddedDeadLetterStoreFixture fixture) : DurableDeadLetterStoreConformance<EmbeddedDeadLetterStoreFixture>(fixture);

public sealed class DeadLetterLedgerConformanceTests(DeadLetterLedgerFixture fixture) : DurableDeadLetterStoreConformance<DeadLetterLedgerFixture>(fixture);

/// <summary>A store in process memory: nothing outlives it, so the suite's durability checks skip.</summary>
public sealed class InMemoryDeadLetterStoreFixture : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) => new(new Storage());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Storage : IDeadLetterStorage
    {
        private readonly InMemoryDeadLetterStore _store = new();


        public ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken) => new(_store);

        public ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The embedded log's store in a data directory of the test's own, reopened as a restarted process would.</summary>
public sealed class EmbeddedDeadLetterStoreFixture : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) => new(new EmbeddedDeadLetterStorage(store => store));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The ledger the application writes through, over the embedded log's store: bounding must not change what is stored.</summary>
public sealed class DeadLetterLedgerFixture : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) => new(new EmbeddedDeadLetterStorage(
        store => new DeadLetterLedger(store, new DeadLetterOptions(), new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)))));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A data directory holding the dead-letter topic; raw records are appended with the store closed.</summary>
internal sealed class EmbeddedDeadLetterStorage(Func<IDeadLetterStore, IDeadLetterStore> wrap) : IDeadLetterStorage
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-dlq-conformance-").FullName;
    private EmbeddedLogTransport? _open;


    public async ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken)
    {
        await CloseAsync();
        _open = Open();
        return wrap(_open.DeadLetterStore);
    }

    public ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken) =>
        AppendAsync($"{letter.Group}\n{letter.EventId}", json, cancellationToken);

    public ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken) =>
        AppendAsync($"{group}\n{name}", value, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async ValueTask AppendAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        await CloseAsync();
        await using var transport = Open();
        var topic = transport.Log.GetOrCreateTopic(EmbeddedDeadLetterStore.TopicName);
        await topic.Partitions[0].AppendAsync(new LogRecord(0, System.Text.Encoding.UTF8.GetBytes(key), value), cancellationToken);
    }

    private EmbeddedLogTransport Open() => new(new EmbeddedLogTransportOptions { DataDirectory = _directory });

    private async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _open, null) is { } open)
        {
            await open.DisposeAsync();
        }
    }
}
