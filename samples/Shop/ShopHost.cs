using Herald.Diagnostics;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Shop.CommandLine;
using Shop.Events;
using Shop.Inventory;
using Shop.Notification;
using Shop.Orders;
using Shop.Statistics;

namespace Shop;

internal static class ShopHost
{
    /// <summary>Builds the shop's host on the transport <paramref name="options"/> choose; the embedded log opens its
    /// data directory when the transport is first resolved, not here.</summary>
    public static IHost Build(ShopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // No args: the shop parses its own, and the host's command-line configuration would misread them.
        var builder = Host.CreateApplicationBuilder();

        // Standard output carries the summary (and the JSON line last); logs must not interleave with it.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Herald", LogLevel.Warning);

        builder.Services
            .AddSingleton(sp => new ShopRun(sp.GetRequiredService<TimeProvider>().GetUtcNow()))
            .AddSingleton<ShopStatistics>()
            .AddSingleton<IEventObserver, HandlerFailureObserver>()
            .AddSingleton<OrderService>()
            .AddSingleton<Stock>()
            .AddSingleton<EmailOutbox>();

        builder.Services.AddHerald(herald =>
        {
            // The source of every event the shop publishes, whichever assembly hosts it (the shop or its tests).
            herald.Options.ServiceName = "shop";
            herald.AddShopEvents().AddHandlersFromAssembly(typeof(ShopHost).Assembly);
            if (options.Transport == ShopTransport.InMemory)
            {
                herald.UseInMemoryTransport();
            }
            else
            {
                herald.UseEmbeddedLog(log => log.DataDirectory = options.DataDirectory);
            }
        });

        return builder.Build();
    }
}
