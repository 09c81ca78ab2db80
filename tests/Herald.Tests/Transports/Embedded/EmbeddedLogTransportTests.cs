using System.Text;
using Herald.Events;
using Herald.Hosting;
using Herald.Log;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Transports.Embedded;

public sealed class EmbeddedLogTransportTests : IDisposable
{
    private const string Topic = "test.order-placed";
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-embedded-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private EmbeddedLogTransport Open() => new(new EmbeddedLogTransportOptions { DataDirectory = _directory });

    private static EventEnvelope Envelope(int i) => new()
    {
        EventId = $"event-{i}",
        EventType = "test.order-placed",
        Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i),
        Source = "tests",
        CorrelationId = $"correlation-{i}",
        PartitionKey = $"order-{i % 5}",
        Data = Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"),
    };

    private static async Task<List<TransportDelivery>> ReceiveAsync(ITransportListener listener, int count)
    {
        var deliveries = new List<TransportDelivery>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (deliveries.Count < count && await listener.WaitToReceiveAsync(timeout.Token))
        {
            listener.TryReceive(deliveries, count - deliveries.Count);
        }

        return deliveries;
    }

    [Fact]
    public async Task Restart_GroupResumesAfterItsCompletedEventsAndNewGroupsStartAtTheBeginning()
    {
        await using (var transport = Open())
        {
            for (var i = 0; i < 20; i++)
            {
                await transport.SendAsync(Topic, Envelope(i), TestContext.Current.CancellationToken);
            }

            await using var listener = await transport.ListenAsync(Topic, "billing", TestContext.Current.CancellationToken);
            var first = await ReceiveAsync(listener, 20);
            foreach (var delivery in first.Where(d => int.Parse(d.Envelope.EventId["event-".Length..], System.Globalization.CultureInfo.InvariantCulture) < 12))
            {
                await listener.CompleteAsync(delivery, TestContext.Current.CancellationToken);
            }
        }

        await using var reopened = Open();
        await using var billing = await reopened.ListenAsync(Topic, "billing", TestContext.Current.CancellationToken);
        var again = await ReceiveAsync(billing, 8);
        // Per partition, completion is in offset order, so exactly the events after the first uncompleted one come back.
        Assert.Equal(8, again.Count);
        Assert.DoesNotContain(again, d => int.Parse(d.Envelope.EventId["event-".Length..], System.Globalization.CultureInfo.InvariantCulture) < 12);
        Assert.Equal(8, reopened.GetBacklog(Topic, "billing"));

        await using var shipping = await reopened.ListenAsync(Topic, "shipping", TestContext.Current.CancellationToken);
        Assert.Equal(20, (await ReceiveAsync(shipping, 20)).Count);
    }

    [Fact]
    public async Task SendAsync_StoresTheEnvelopeAsACloudEventInBinaryMode()
    {
        await using var transport = Open();
        var envelope = Envelope(3);

        await transport.SendAsync(Topic, envelope, TestContext.Current.CancellationToken);

        var partition = transport.Log.GetOrCreateTopic(Topic).Partitions[KeyPartitioner.Partition("order-3", 8)];
        using var reader = partition.OpenReader(0);
        Assert.True(reader.TryRead(out var records));
        var found = false;
        foreach (var record in records)
        {
            found = true;
            Assert.Equal("order-3", Encoding.UTF8.GetString(record.Key));
            Assert.Equal("{\"n\":3}", Encoding.UTF8.GetString(record.Value));
            var headers = new Dictionary<string, string>();
            foreach (var header in record.Headers)
            {
                headers[header.GetKeyString()] = Encoding.UTF8.GetString(header.Value);
            }

            Assert.Equal("application/json", headers["content-type"]);
            Assert.Equal("event-3", headers["ce_id"]);
            Assert.Equal("test.order-placed", headers["ce_type"]);
            Assert.Equal("1.0", headers["ce_specversion"]);
            Assert.Equal("order-3", headers["ce_partitionkey"]);
        }

        Assert.True(found);
    }

    [Fact]
    public async Task Open_DirectoryInUseByAnotherTransport_FailsWithAClearError()
    {
        await using var first = Open();

        var error = Assert.Throws<LogDirectoryLockedException>(Open);

        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddHerald_WithoutATransport_UsesTheEmbeddedLogInHeraldData()
    {
        var services = new ServiceCollection().AddHerald();
        await using var provider = services.BuildServiceProvider();
        try
        {
            var transport = Assert.IsType<EmbeddedLogTransport>(provider.GetRequiredService<ITransport>());
            Assert.Equal(Path.GetFullPath("herald-data"), transport.Log.Directory);
        }
        finally
        {
            await provider.DisposeAsync();
            Directory.Delete(Path.GetFullPath("herald-data"), recursive: true);
        }
    }

    [Fact]
    public async Task SendAsync_TopicNameTheLogCannotStore_FailsNamingIt()
    {
        await using var transport = Open();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await transport.SendAsync("orders/created", Envelope(1), TestContext.Current.CancellationToken));

        Assert.Contains("'orders/created'", error.Message, StringComparison.Ordinal);
    }
    [Fact]
    public async Task Open_DamagedPartition_LogsItsRepairCommandAndServesEveryOtherPartition()
    {
        await using (var transport = Open())
        {
            for (var i = 0; i < 40; i++)
            {
                await transport.SendAsync(Topic, Envelope(i), TestContext.Current.CancellationToken);
            }
        }

        // Damage the first of several batches of the partition of key order-0, so the batches after it rule out a torn tail.
        var damagedPartition = KeyPartitioner.Partition("order-0", 8);
        var segment = Path.Combine(_directory, $"{Topic}-{damagedPartition}", "00000000000000000000.log");
        var bytes = await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken);
        bytes[40] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes, TestContext.Current.CancellationToken);
        var logger = new RecordingLogger();

        await using var reopened = new EmbeddedLogTransport(new EmbeddedLogTransportOptions { DataDirectory = _directory }, logger: logger);

        var critical = Assert.Single(logger.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Critical);
        Assert.Contains($"{Topic}-{damagedPartition}", critical.Message, StringComparison.Ordinal);
        Assert.Contains(segment, critical.Message, StringComparison.Ordinal);
        Assert.Contains($"herald log repair --data {_directory} --partition {Topic}-{damagedPartition}", critical.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LogCorruptedException>(async () => await reopened.SendAsync(Topic, Envelope(100), TestContext.Current.CancellationToken));
        await reopened.SendAsync(Topic, Envelope(101), TestContext.Current.CancellationToken);
        await using var listener = await reopened.ListenAsync(Topic, "billing", TestContext.Current.CancellationToken);
        var received = await ReceiveAsync(listener, 33);
        Assert.Equal(33, received.Count);
        Assert.DoesNotContain(received, d => d.Partition == damagedPartition);
    }

    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger<EmbeddedLogTransport>
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
