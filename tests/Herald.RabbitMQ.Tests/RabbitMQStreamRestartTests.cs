using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Inbox;
using Herald.PostgreSql;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Herald.RabbitMQ.Tests;

[Event("restart.payment-requested")]
public sealed record PaymentRequested(string OrderId, int Amount);

/// <summary>Charges once per event: the inbox row and the charge commit in one PostgreSQL transaction.</summary>
public sealed class ChargeOnce(NpgsqlDataSource database, IInbox inbox, StreamCounters counters) : IEventHandler<PaymentRequested>
{
    public async Task HandleAsync(EventContext<PaymentRequested> context)
    {
        counters.Deliveries.Increment();
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

public sealed class StreamCounters
{
    public Counter Deliveries { get; } = new();

    public sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }
}

/// <summary>100,000 events through Herald on RabbitMQ, the broker restarted in the middle: nothing acknowledged is lost, each charged once.</summary>
[Collection(typeof(BrokerRestarts))]
public sealed class RabbitMQStreamRestartTests(RabbitMQBroker broker)
{
    private const int Events = 100_000;
    private const int Keys = 1_000;

    [Fact]
    public async Task HundredThousandEvents_BrokerRestartedMidStream_EveryAcknowledgedEventChargedExactlyOnce()
    {
        _ = broker.Connection; // skips or fails without a broker
        if (!File.Exists("/usr/sbin/rabbitmqctl") || RabbitMQBroker.Uri.Host is not ("127.0.0.1" or "localhost"))
        {
            Assert.Skip("Restarting the broker needs the local RabbitMQ of `eng/services.sh rabbitmq` and rabbitmqctl.");
        }

        var token = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(token);
        var options = RabbitMQBroker.NewOptions();
        var counters = new StreamCounters();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(database.DataSource).AddSingleton(counters);
        builder.Services.AddHerald(h => h
            .UseTransport(_ => new RabbitMQTransport(options))
            .AddEvent<PaymentRequested>(e => e.PartitionKey(p => p.OrderId))
            .AddHandler<ChargeOnce>("payment")
            .ConfigureGroup("payment", g => (g.MaxConcurrentKeys, g.BatchSize, g.RedeliveryDelay) = (64, 512, TimeSpan.FromMilliseconds(100)))
            .UsePostgreSqlInbox(new PostgreSqlStoreOptions { DataSource = database.DataSource }));
        using var host = builder.Build();
        await host.StartAsync(token);
        var transport = (RabbitMQTransport)host.Services.GetRequiredService<Herald.Transports.ITransport>();
        try
        {
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            var acknowledged = new ConcurrentBag<string>();
            var restarted = 0;
            var next = -1;
            async Task PublishAsync()
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < Events)
                {
                    if (n == Events / 3 && Interlocked.Exchange(ref restarted, 1) == 0)
                    {
                        await RabbitMQRestartTests.RabbitMQCtlAsync("stop_app");
                        await RabbitMQRestartTests.RabbitMQCtlAsync("start_app");
                    }

                    // A publish that fails during the restart is not acknowledged; the producer retries it with the same
                    // event id, as an application would.
                    var id = $"payment-{n:D6}";
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await publisher.PublishAsync(new PaymentRequested($"order-{n % Keys}", n), new PublishOptions { EventId = id }, token);
                            acknowledged.Add(id);
                            break;
                        }
                        catch (Exception) when (attempt < 300 && !token.IsCancellationRequested)
                        {
                            await Task.Delay(100, token);
                        }
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(PublishAsync, token)));
            Assert.Equal(Events, acknowledged.Count);

            var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
            long charged;
            while ((charged = await database.ScalarAsync("SELECT count(*) FROM charges", token)) < Events && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(500, token);
            }

            Assert.Equal(Events, charged);
            Assert.Equal(Events, await database.ScalarAsync("SELECT count(DISTINCT event_id) FROM charges", token));
            Assert.True(counters.Deliveries.Value >= Events, $"{counters.Deliveries.Value} deliveries for {Events} events");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    /// <summary>A fresh PostgreSQL database for the test, dropped at the end.</summary>
    private sealed class TestDatabase : IAsyncDisposable
    {
        private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
        private readonly NpgsqlDataSource _admin;
        private readonly string _name;

        private TestDatabase(NpgsqlDataSource admin, string name, NpgsqlDataSource dataSource)
        {
            _admin = admin;
            _name = name;
            DataSource = dataSource;
        }

        public NpgsqlDataSource DataSource { get; }

        public static async Task<TestDatabase> CreateAsync(CancellationToken cancellationToken)
        {
            var connectionString = Environment.GetEnvironmentVariable("HERALD_POSTGRES") is { Length: > 0 } s ? s : DefaultConnectionString;
            var admin = NpgsqlDataSource.Create(connectionString);
            var name = $"herald_rmq_{Guid.NewGuid():N}";
            try
            {
                await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
                {
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            catch (NpgsqlException e) when (Environment.GetEnvironmentVariable("CI") != "true")
            {
                await admin.DisposeAsync();
                Assert.Skip($"PostgreSQL is not reachable ({e.Message}); run `eng/services.sh postgres`.");
            }

            var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Database = name, MaxPoolSize = 80 }.ConnectionString);
            await using (var table = dataSource.CreateCommand("CREATE TABLE charges (event_id text PRIMARY KEY, order_id text NOT NULL)"))
            {
                await table.ExecuteNonQueryAsync(cancellationToken);
            }

            await new PostgreSqlSchemaInitializer(new PostgreSqlStoreOptions { DataSource = dataSource }).InitializeAsync(cancellationToken);
            return new TestDatabase(admin, name, dataSource);
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
