using System.Diagnostics;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.PostgreSql.Tests;

public sealed class OutboxRelayTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Relay_CrashBetweenSendAndMark_SentAgainAfterLeaseAndInboxChargesOnce()
    {
        var options = await InboxTests.CreateDatabaseAsync(server);
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<ChargeHandler>(InboxTests.Group)
                .AddEvent<PaymentRequested>(e => e.PartitionKey(p => p.OrderId))
                .UseOutbox(sp => new CrashBeforeMarkStore(new PostgreSqlOutboxStore(options, sp.GetRequiredService<TimeProvider>())), o => o.Lease = Lease)
                .UsePostgreSqlInbox(options),
            s => s.AddSingleton(options).AddSingleton(new ChargeSettings()));
        var store = harness.Services.GetRequiredService<IOutboxStore>();
        await using (var connection = await options.DataSource!.OpenConnectionAsync(Cancellation))
        {
            await using var transaction = await connection.BeginTransactionAsync(Cancellation);
            await harness.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(transaction, new PaymentRequested("order-1", 42m), cancellationToken: Cancellation);
            await transaction.CommitAsync(Cancellation);
        }

        // Run the relay as the host does, as a hosted service on the harness's fake clock.
        var relay = harness.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();
        await relay.StartAsync(Cancellation);
        try
        {
            // The relay sends, then "crashes" marking: the row stays undispatched, leased for 30 s.
            await WaitUntilAsync(async () => await harness.ProcessPendingAsync(cancellationToken: Cancellation) > 0 || harness.Handled.Count > 0);
            Assert.Equal(["order-1"], await InboxTests.ChargesAsync(options));
            Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);

            // After the lease the relay sends the row again and marks it; the inbox skips the second delivery.
            await WaitUntilAsync(async () =>
            {
                await harness.AdvanceTimeAsync(Lease, Cancellation);
                return harness.Handled.Count == 2 && (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount == 0;
            });
        }
        finally
        {
            await relay.StopAsync(Cancellation);
        }

        Assert.Equal(["order-1"], await InboxTests.ChargesAsync(options));
        Assert.Equal(harness.Handled[0].Envelope.EventId, harness.Handled[1].Envelope.EventId);
        var duplicate = Assert.Single(harness.Duplicates);
        Assert.Equal(InboxTests.Group, duplicate.Group);
    }

    [Fact]
    public async Task UsePostgreSqlOutbox_HostedServices_CreateSchemaThenRelay()
    {
        var options = server.NewOptions();
        await using var harness = HeraldTestHarness.Create(h => h.UsePostgreSqlOutbox(options, o => o.RelayId = "relay-1"));
        var hosted = harness.Services.GetServices<IHostedService>().Where(s => s is not (ConsumerService or DeadLetterRetention)).ToList();

        Assert.Equal(2, hosted.Count);
        Assert.IsType<OutboxRelay>(hosted[1]);
        await hosted[0].StartAsync(Cancellation); // the schema
        Assert.Equal(0, (await harness.Services.GetRequiredService<IOutboxStore>().GetStatisticsAsync(Cancellation)).UndispatchedCount);
        Assert.IsType<PostgreSqlOutboxStore>(harness.Services.GetRequiredService<IOutboxStore>());
    }

    [Fact]
    public void UsePostgreSqlOutbox_CalledTwice_ThrowsNamingTheCall()
    {
        var options = server.NewOptions();

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddHerald(h => h.UsePostgreSqlOutbox(options).UsePostgreSqlOutbox(options)));

        Assert.Contains("UseOutbox", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        // The relay runs on its own task; this waits for it on real time and asserts nothing about timing.
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), "The relay stopped making progress.");
            await Task.Delay(10, Cancellation);
        }
    }
}
