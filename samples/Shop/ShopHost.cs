using Herald.Diagnostics;
using Herald.Hosting;
using Herald.OpenTelemetry;
using Herald.Outbox;
using Herald.Sqlite;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Shop.Brokers;
using Shop.CommandLine;
using Shop.Events;
using Shop.Faults;
using Shop.Inventory;
using Shop.Notification;
using Shop.Orders;
using Shop.Payment;
using Shop.Services;
using Shop.Statistics;
using Shop.Storage;

namespace Shop;

internal static class ShopHost
{
    private const int OutboxBatchSize = 500;
    private static readonly TimeSpan OutboxPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan PaymentRedeliveryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Builds the shop's host on the transport <paramref name="options"/> choose; the embedded log opens its
    /// data directory when the transport is first resolved, not here.</summary>
    /// <exception cref="BrokerUnreachableException">The broker's URI is unusable.</exception>
    public static IHost Build(ShopOptions options, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = options.UsesBroker ? ShopBroker.Connection(options, environment ?? Environment.GetEnvironmentVariable) : null;

        // No args: the shop parses its own, and the host's command-line configuration would misread them.
        var builder = Host.CreateApplicationBuilder();

        // Standard output carries the summary (and the JSON line last); logs must not interleave with it.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Herald", LogLevel.Warning);

        // The issuer's timeouts are failures the shop makes on purpose, counted as retries in the summary; a warning with
        // a stack trace for each would bury the rest. Dead letters are still logged, as errors.
        builder.Logging.AddFilter("Herald.Consuming", LogLevel.Error);

        // The shop reports what the embedded log found on opening itself, one line each (see LogReporter).
        builder.Logging.AddFilter(typeof(EmbeddedLogTransport).FullName, LogLevel.None);

        // Created here, because the outbox and inbox need its path now; opened only once something resolves it. On a
        // broker the data directory holds only the database, and ShopApplication has locked it already.
        var database = options.Transport == ShopTransport.InMemory
            ? ShopDatabase.InTempFile()
            : ShopDatabase.InDataDirectory(Path.GetFullPath(options.DatabaseDirectory));

        builder.Services
            .AddSingleton(options)
            .AddSingleton(sp => options.RunId is { } runId
                ? new ShopRun(runId, sp.GetRequiredService<TimeProvider>().GetUtcNow())
                : new ShopRun(sp.GetRequiredService<TimeProvider>().GetUtcNow()))
            .AddSingleton<ShopStatistics>()
            .AddSingleton<IEventObserver, DeliveryObserver>()
            .AddSingleton(sp =>
            {
                // The embedded log locks the data directory when the transport is created: no other shop may be
                // writing the database by the time this one opens it. A factory, so the container disposes it.
                _ = sp.GetRequiredService<ITransport>();
                return database;
            })
            .AddSingleton(sp => DamagedPartitions.Of(sp.GetRequiredService<ITransport>()))
            .AddSingleton<DeliveryFaults>()
            .AddSingleton<CompletionWaiter>()
            .AddSingleton<OrderService>()
            .AddSingleton<Stock>()
            .AddSingleton<EmailOutbox>();

        // The data directory of the embedded log, the transport AddHerald uses when none is chosen (read only by that default).
        builder.Configuration["Herald:EmbeddedLog:DataDirectory"] = options.DataDirectory;
        builder.Services.AddHerald(herald =>
        {
            // The source of every event the shop publishes, whichever assembly hosts it (the shop or its tests).
            herald.Options.ServiceName = "shop";
            herald.AddShopEvents().AddShopHandlers(options.Service);

            // The relay polls the outbox while it is empty and claims again at once after a batch: a short poll keeps an
            // order's latency low, and a large batch amortizes the claim and the mark over many sends.
            herald.UseSqliteOutbox(database.StoreOptions, outbox =>
            {
                outbox.PollInterval = OutboxPollInterval;
                outbox.BatchSize = OutboxBatchSize;

                // Rows a stopped relay sent but had not marked go out again after the lease: 5 s instead of 30 keeps a
                // resumed run short, and is still far longer than the relay takes to send a batch.
                outbox.Lease = TimeSpan.FromSeconds(5);
            });
            herald.UseSqliteInbox(database.StoreOptions);

            // The issuer's timeouts are transient: redeliver after a short pause rather than at once (which would hit
            // an issuer that has just failed to answer) or after the default second (which would slow the run down).
            if (options.Service is null or ShopService.Payment)
            {
                herald.ConfigureGroup(PaymentHandler.Group, group =>
                {
                    group.ImmediateRetries = 0;
                    group.RedeliveryDelay = PaymentRedeliveryDelay;
                    group.MaxRedeliveryDelay = TimeSpan.FromSeconds(2);
                });
            }

            if (options.Transport == ShopTransport.InMemory)
            {
                herald.UseInMemoryTransport();
            }
            else if (connection is not null)
            {
                herald.UseShopBroker(options, connection);
            }

            // Otherwise no transport line: AddHerald's default, the embedded log, in the data directory configured above.
        });

        if (options.Transport == ShopTransport.Embedded)
        {
            // The store UseSqliteOutbox added, wrapped so that rows bound for a damaged partition stay in the outbox
            // (UseOutbox with the wrapped store would lose the schema step UseSqliteOutbox runs before the relay starts).
            builder.Services.Replace(ServiceDescriptor.Singleton<IOutboxStore>(sp => new DamagedPartitionOutboxStore(
                new SqliteOutboxStore(database.StoreOptions, sp.GetRequiredService<TimeProvider>()),
                sp.GetRequiredService<DamagedPartitions>())));
        }

        if (options.MetricsPort is { } port)
        {
            // The HttpListener exporter starts with the host and stops with it: scrapeable in every mode, --orders 0 too.
            builder.Services.AddHeraldPrometheus(port);
        }

        return builder.Build();
    }

    /// <summary>Registers the handlers of <paramref name="service"/>, or of every service when null; the orders service has none.</summary>
    private static HeraldBuilder AddShopHandlers(this HeraldBuilder herald, ShopService? service) => service switch
    {
        null => herald.AddHandlersFromAssembly(typeof(ShopHost).Assembly),
        ShopService.Orders => herald,
        ShopService.Payment => herald.AddHandler<PaymentHandler>(),
        ShopService.Inventory => herald.AddHandler<InventoryHandler>(),
        ShopService.Notification => herald.AddHandler<NotificationHandler>(),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Not one of the shop's services."),
    };
}
