using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Inbox;
using Herald.PostgreSql;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Herald.Conformance.Restarts;

[Event("restart.payment-requested")]
public sealed record PaymentRequested(string OrderId, int Amount);

/// <summary>
/// A stream of events through a Herald application on a broker that the scenario restarts in the middle: every
/// acknowledged publish must be charged exactly once (PostgreSQL inbox; the charges table has no unique key, so the
/// inbox alone prevents a second charge), every event handled at least once, with no handler failure and no dead
/// letter, and the consumers must resume by themselves.
/// </summary>
/// <remarks>Publishers that fail while the broker is away retry with the same event id, as an application would.</remarks>
public static class BrokerRestartScenario
{
    // How long a publisher keeps retrying one event: a broker with many queues takes most of a minute to restart on a
    // loaded machine, and the client reconnects some seconds after that.
    private static readonly TimeSpan PublishRetries = TimeSpan.FromMinutes(3);

    /// <summary>Runs the scenario; <paramref name="restart"/> stops and starts the broker, once, a third of the way in;
    /// <paramref name="cleanUp"/> runs on the application's transport once it has stopped; the scenario fails when no event
    /// is charged for <paramref name="drain"/> (two minutes) while some are missing.</summary>
    public static async Task RunAsync(Func<ITransport> transport, Func<Task> restart, Func<ITransport, Task>? cleanUp = null, int events = 100_000, int keys = 1_000, TimeSpan? drain = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(restart);
        var token = TestContext.Current.CancellationToken;
        await using var database = await ChargeDatabase.CreateAsync(token);
        var counters = new Deliveries();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(database.DataSource).AddSingleton(counters);
        builder.Services.AddHerald(h => h
            .UseTransport(_ => transport())
            .AddEvent<PaymentRequested>(e => e.PartitionKey(p => p.OrderId))
            .AddHandler<ChargeOnce>("payment")
            .ConfigureGroup("payment", g => (g.MaxConcurrentKeys, g.BatchSize, g.RedeliveryDelay) = (64, 512, TimeSpan.FromMilliseconds(100)))
            .UsePostgreSqlInbox(new PostgreSqlStoreOptions { DataSource = database.DataSource }));
        using var host = builder.Build();
        await host.StartAsync(token);
        try
        {
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            var acknowledged = new ConcurrentBag<string>();
            var restarted = 0;
            var next = -1;
            async Task PublishAsync()
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < events)
                {
                    if (n == events / 3 && Interlocked.Exchange(ref restarted, 1) == 0)
                    {
                        await restart();
                    }

                    var id = $"payment-{n:D6}";
                    var firstAttempt = DateTimeOffset.UtcNow;
                    while (true)
                    {
                        try
                        {
                            await publisher.PublishAsync(new PaymentRequested($"order-{n % keys}", n), new PublishOptions { EventId = id }, token);
                            acknowledged.Add(id);
                            break;
                        }
                        catch (Exception) when (DateTimeOffset.UtcNow - firstAttempt < PublishRetries && !token.IsCancellationRequested)
                        {
                            await Task.Delay(100, token);
                        }
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(PublishAsync, token)));
            Assert.Equal(events, acknowledged.Count);

            // A slow machine drains slowly: the scenario fails when charging stalls for the drain time (or after ten
            // minutes in all), not at a fixed time that a loaded CI machine may not meet.
            var stall = drain ?? TimeSpan.FromMinutes(2);
            var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10);
            var progressed = DateTimeOffset.UtcNow;
            long chargedEvents = 0;
            while (true)
            {
                var now = await database.ScalarAsync("SELECT count(DISTINCT event_id) FROM charges", token);
                if (now > chargedEvents)
                {
                    (chargedEvents, progressed) = (now, DateTimeOffset.UtcNow);
                }

                if (chargedEvents >= events || DateTimeOffset.UtcNow - progressed > stall || DateTimeOffset.UtcNow > giveUp)
                {
                    break;
                }

                await Task.Delay(500, token);
            }

            // charges has no unique key: only the inbox stands between a redelivery and a second row, so a broken inbox
            // shows here as more rows than events, rather than as a key violation retried or dead-lettered unnoticed.
            Assert.True(chargedEvents == events, $"{chargedEvents:N0} of {events:N0} events charged when the drain ended (no progress for {stall}, or ten minutes); {await StuckAsync(host, database, token)}");
            Assert.Equal(events, await database.ScalarAsync("SELECT count(*) FROM charges", token));
            Assert.Equal(0, counters.Failures);
            Assert.Empty(await host.Services.GetRequiredService<IDeadLetters>().ListAsync(DeadLetterFilter.All, token));
            Assert.True(counters.Count >= events, $"{counters.Count} deliveries for {events} events");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            if (cleanUp is not null)
            {
                await cleanUp(host.Services.GetRequiredService<ITransport>());
            }
        }
    }

    // Where the missing charges are: which keys, and how far the group is behind per partition, so a stuck partition shows
    // as one apart from a slow run.
    private static async Task<string> StuckAsync(IHost host, ChargeDatabase database, CancellationToken token)
    {
        var charged = await database.ScalarAsync("SELECT count(DISTINCT order_id) FROM charges", token);
        var topic = host.Services.GetRequiredService<EventTypeRegistry>().Get(typeof(PaymentRequested)).Topic;
        var lag = await host.Services.GetRequiredService<ITransport>().GetLagAsync(topic, "payment", token);
        var partitions = lag is null ? "unknown" : string.Join(", ", lag.Select(l => $"{l.Partition}: {l.Lag}"));
        return $"{charged:N0} keys have a charge; lag per partition: {partitions}";
    }

    /// <summary>Charges once per event: the inbox row and the charge commit in one PostgreSQL transaction.</summary>
    private sealed class ChargeOnce(NpgsqlDataSource database, IInbox inbox, Deliveries deliveries) : IEventHandler<PaymentRequested>
    {
        public async Task HandleAsync(EventContext<PaymentRequested> context)
        {
            deliveries.Increment();
            try
            {
                await ChargeAsync(context);
            }
            catch
            {
                // A retried failure would still end in one charge: the scenario counts failures so that none goes unseen.
                deliveries.Fail();
                throw;
            }
        }

        private async Task ChargeAsync(EventContext<PaymentRequested> context)
        {
            await using var connection = await database.OpenConnectionAsync(context.CancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
            if (!await inbox.TryAcceptAsync(context, transaction, cancellationToken: context.CancellationToken))
            {
                return;
            }

            await using var insert = new NpgsqlCommand("INSERT INTO charges (event_id, order_id) VALUES (@id, @order)", connection, transaction);
            insert.Parameters.AddWithValue("id", context.Envelope.EventId);
            insert.Parameters.AddWithValue("order", context.Event.OrderId);
            await insert.ExecuteNonQueryAsync(context.CancellationToken);
            await transaction.CommitAsync(context.CancellationToken);
        }
    }

    private sealed class Deliveries
    {
        private long _count;
        private long _failures;

        public long Count => Interlocked.Read(ref _count);

        public long Failures => Interlocked.Read(ref _failures);

        public void Increment() => Interlocked.Increment(ref _count);

        public void Fail() => Interlocked.Increment(ref _failures);
    }

    /// <summary>A fresh PostgreSQL database (<c>HERALD_POSTGRES</c>, as <c>eng/services.sh postgres</c> starts it) with a charges table, dropped at the end.</summary>
    private sealed class ChargeDatabase : IAsyncDisposable
    {
        private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
        private readonly NpgsqlDataSource _admin;
        private readonly string _name;

        private ChargeDatabase(NpgsqlDataSource admin, string name, NpgsqlDataSource dataSource)
        {
            _admin = admin;
            _name = name;
            DataSource = dataSource;
        }

        public NpgsqlDataSource DataSource { get; }

        public static async Task<ChargeDatabase> CreateAsync(CancellationToken cancellationToken)
        {
            var connectionString = Environment.GetEnvironmentVariable("HERALD_POSTGRES") is { Length: > 0 } s ? s : DefaultConnectionString;
            var admin = NpgsqlDataSource.Create(connectionString);
            var name = $"herald_restart_{Guid.NewGuid():N}";
            try
            {
                await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (NpgsqlException e) when (Environment.GetEnvironmentVariable("CI") != "true")
            {
                await admin.DisposeAsync();
                Assert.Skip($"PostgreSQL is not reachable ({e.Message}); run `eng/services.sh postgres`.");
            }

            var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Database = name, MaxPoolSize = 80 }.ConnectionString);
            await using (var table = dataSource.CreateCommand("CREATE TABLE charges (event_id text NOT NULL, order_id text NOT NULL)"))
            {
                await table.ExecuteNonQueryAsync(cancellationToken);
            }

            await new PostgreSqlSchemaInitializer(new PostgreSqlStoreOptions { DataSource = dataSource }).InitializeAsync(cancellationToken);
            return new ChargeDatabase(admin, name, dataSource);
        }

        public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
        {
            await using var command = DataSource.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await using (var drop = _admin.CreateCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)"))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await _admin.DisposeAsync();
        }
    }
}
