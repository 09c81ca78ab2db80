using Herald.DeadLetters;
using Herald.Events;
using Herald.HealthChecks;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Herald.OpenTelemetry.Tests.HealthChecks;

public sealed class HeraldHealthChecksBuilderExtensionsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddHerald_NothingBehind_ReportsHealthy()
    {
        using var host = Build(h => h.UseInMemoryTransport());

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(
            [HeraldHealthCheckNames.Consumers, HeraldHealthCheckNames.Inbox, HeraldHealthCheckNames.Outbox, HeraldHealthCheckNames.Transport],
            report.Entries.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddHerald_LagOverThreshold_ReportsDegradedNamingGroupAndLag()
    {
        // No consumer runs (the host is not started): every published event is lag of the billing group.
        using var host = Build(h => h.UseInMemoryTransport(), o => o.MaxConsumerLag = 10);
        await PublishAsync(host, 12);

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        var consumers = report.Entries[HeraldHealthCheckNames.Consumers];
        Assert.Equal(HealthStatus.Degraded, consumers.Status);
        Assert.Contains("consumer group 'billing' is 12 event(s) behind (threshold 10; test.invoice-issued 12)", consumers.Description, StringComparison.Ordinal);
        Assert.Equal(12L, consumers.Data["lag:billing"]);
    }

    [Fact]
    public async Task AddHerald_LagUnderGroupOverride_ReportsHealthy()
    {
        using var host = Build(h => h.UseInMemoryTransport(), o =>
        {
            o.MaxConsumerLag = 10;
            o.Groups["billing"] = new HeraldGroupHealthOptions { MaxConsumerLag = 20 };
        });
        await PublishAsync(host, 12);

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public async Task AddHerald_DeadLettersOverThreshold_ReportsDegradedNamingGroupAndCount()
    {
        using var host = Build(h => h.UseInMemoryTransport(), o => o.Groups["billing"] = new HeraldGroupHealthOptions { MaxPendingDeadLetters = 1 });
        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        await store.SaveAsync(DeadLetter("billing", "e1"), Cancellation);
        await store.SaveAsync(DeadLetter("billing", "e2"), Cancellation);
        await store.SaveAsync(DeadLetter("billing", "e3") with { Status = DeadLetterStatus.Redriven }, Cancellation);

        var report = await CheckAsync(host);

        var consumers = report.Entries[HeraldHealthCheckNames.Consumers];
        Assert.Equal(HealthStatus.Degraded, consumers.Status);
        Assert.Equal("consumer group 'billing' has 2 pending dead letter(s) (threshold 1).", consumers.Description);
    }

    [Fact]
    public async Task AddHerald_DeadLetterQueueFullOfPendingLetters_ReportsUnhealthyBecauseTheGroupStops()
    {
        using var host = Build(h =>
        {
            h.UseInMemoryTransport();
            h.Options.DeadLetters.MaxLettersPerGroup = 2;
        });
        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        await store.SaveAsync(DeadLetter("billing", "e1"), Cancellation);
        await store.SaveAsync(DeadLetter("billing", "e2"), Cancellation);

        var report = await CheckAsync(host);

        var consumers = report.Entries[HeraldHealthCheckNames.Consumers];
        Assert.Equal(HealthStatus.Unhealthy, consumers.Status);
        Assert.StartsWith(
            "consumer group 'billing' has 2 pending dead letter(s), the cap (DeadLetterOptions.MaxLettersPerGroup): an event it gives up on now stops its partition",
            consumers.Description,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddHerald_TransportThatReportsItsOwnHealth_ReportsItsAnswerWithoutALagQuery()
    {
        using var host = Build(h => h.UseTransport(_ => new SelfReportingTransport()));

        var report = await CheckAsync(host);

        var transport = report.Entries[HeraldHealthCheckNames.Transport];
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.Equal("partition 3 refuses events: restart the application", transport.Description);
        Assert.Null(transport.Exception);
    }

    [Fact]
    public async Task AddHerald_TransportDown_ReportsUnhealthy()
    {
        using var host = Build(h => h.UseTransport(_ => new UnreachableTransport()));

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        var transport = report.Entries[HeraldHealthCheckNames.Transport];
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.Equal("broker unreachable", transport.Exception?.Message);
    }

    [Fact]
    public async Task AddHerald_EmbeddedLog_ReportsEveryPartitionAccepting()
    {
        var directory = Directory.CreateTempSubdirectory("herald-health-");
        try
        {
            using (var host = Build(h => h.UseEmbeddedLog(log => log.DataDirectory = directory.FullName), o => o.MaxConsumerLag = 2))
            {
                await PublishAsync(host, 3);

                var report = await CheckAsync(host);

                Assert.Equal(HealthStatus.Healthy, report.Entries[HeraldHealthCheckNames.Transport].Status);
                Assert.Contains("every partition", report.Entries[HeraldHealthCheckNames.Transport].Description, StringComparison.Ordinal);
                Assert.Contains("'billing' is 3 event(s) behind (threshold 2", report.Entries[HeraldHealthCheckNames.Consumers].Description, StringComparison.Ordinal);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AddHerald_EmbeddedLogWithADamagedPartition_ReportsUnhealthyWithTheRepairCommandAndCountsItInTheGauge()
    {
        var directory = Directory.CreateTempSubdirectory("herald-health-");
        try
        {
            // Three acknowledged batches in partition 0; the second damaged, so the third proves it is no torn tail.
            using (var log = Herald.Log.EmbeddedLog.Open(directory.FullName))
            {
                var partition = log.GetOrCreateTopic("test.invoice-issued").Partitions[0];
                for (var i = 0; i < 3; i++)
                {
                    await partition.AppendAsync(new Herald.Log.Storage.LogRecord(0, null, new byte[] { (byte)'{', (byte)'}' }), Cancellation);
                }
            }

            var segment = Path.Combine(directory.FullName, "test.invoice-issued-0", "00000000000000000000.log");
            var bytes = await File.ReadAllBytesAsync(segment, Cancellation);
            bytes[(bytes.Length / 3) + 40] ^= 0xFF;
            await File.WriteAllBytesAsync(segment, bytes, Cancellation);
            using var host = Build(h => h.UseEmbeddedLog(log => log.DataDirectory = directory.FullName));
            await host.StartAsync(Cancellation);
            var damaged = new List<int>();
            using var listener = new System.Diagnostics.Metrics.MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == "Herald" && instrument.Name == "herald.log.partitions.damaged")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<int>((_, value, _, _) => damaged.Add(value));
            listener.Start();

            var report = await CheckAsync(host);
            listener.RecordObservableInstruments();

            var transport = report.Entries[HeraldHealthCheckNames.Transport];
            Assert.Equal(HealthStatus.Unhealthy, transport.Status);
            Assert.Contains($"test.invoice-issued-0 (damaged: '{segment}' at byte {bytes.Length / 3}", transport.Description, StringComparison.Ordinal);
            Assert.Contains($"herald log repair --data {directory.FullName} --partition test.invoice-issued-0", transport.Description, StringComparison.Ordinal);
            Assert.Equal([1], damaged);
            await host.StopAsync(Cancellation);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AddHerald_OutboxRowTooOld_ReportsDegradedWithAge()
    {
        using var host = Build(h => h.UseInMemoryTransport().UseOutbox(_ => new FixedOutboxStore(new OutboxStatistics(3, TimeSpan.FromMinutes(5)))));

        var report = await CheckAsync(host);

        var outbox = report.Entries[HeraldHealthCheckNames.Outbox];
        Assert.Equal(HealthStatus.Degraded, outbox.Status);
        Assert.Equal("Outbox: 3 undispatched row(s), the oldest 300 s old (threshold 60 s); is a relay running?", outbox.Description);
    }

    [Fact]
    public async Task AddHerald_OutboxRowQuarantined_ReportsDegradedNamingTheQuarantinedRows()
    {
        using var host = Build(h => h.UseInMemoryTransport().UseOutbox(_ => new FixedOutboxStore(new OutboxStatistics(1, TimeSpan.FromSeconds(2), 2))));

        var report = await CheckAsync(host);

        var outbox = report.Entries[HeraldHealthCheckNames.Outbox];
        Assert.Equal(HealthStatus.Degraded, outbox.Status);
        Assert.Contains("2 quarantined row(s)", outbox.Description, StringComparison.Ordinal);
        Assert.Equal(2L, outbox.Data["quarantined"]);
    }

    [Fact]
    public async Task AddHerald_InboxStoreFails_ReportsUnhealthy()
    {
        using var host = Build(h => h.UseInMemoryTransport().UseInbox(_ => new BrokenInboxStore()));

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, report.Entries[HeraldHealthCheckNames.Inbox].Status);
    }

    [Fact]
    public void AddHerald_NegativeThreshold_Throws()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddHealthChecks().AddHerald(o => o.MaxConsumerLag = -1));

        Assert.Contains("MaxConsumerLag (-1)", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Action<HeraldBuilder> transport, Action<HeraldHealthCheckOptions>? thresholds = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<HandledCounter>();
        builder.Services.AddHerald(h => transport(h.AddHandler<InvoiceHandler>(InvoiceHandler.Group)));
        builder.Services.AddHealthChecks().AddHerald(thresholds);
        return builder.Build();
    }

    private static async Task PublishAsync(IHost host, int count)
    {
        var publisher = host.Services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < count; i++)
        {
            await publisher.PublishAsync(new InvoiceIssued($"i{i}"), cancellationToken: Cancellation);
        }
    }

    private static Task<HealthReport> CheckAsync(IHost host) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);

    private static DeadLetter DeadLetter(string group, string eventId)
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new DeadLetter
        {
            Group = group,
            Topic = "test.invoice-issued",
            Envelope = new EventEnvelope { EventId = eventId, EventType = "test.invoice-issued", Timestamp = at, Source = "test", CorrelationId = eventId },
            Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.InvalidOperationException", "refused", null, null, 1, at, at, at),
        };
    }
}
