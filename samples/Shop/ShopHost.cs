using Herald.Diagnostics;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Shop.Events;
using Shop.Inventory;
using Shop.Notification;
using Shop.Orders;
using Shop.Statistics;

namespace Shop;

internal static class ShopHost
{
    public static IHost Build()
    {
        // No args: the shop parses its own, and the host's command-line configuration would misread them.
        var builder = Host.CreateApplicationBuilder();

        // Standard output carries the summary (and the JSON line last); logs must not interleave with it.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Herald", LogLevel.Warning);

        builder.Services
            .AddSingleton<ShopStatistics>()
            .AddSingleton<IEventObserver, HandlerFailureObserver>()
            .AddSingleton<OrderService>()
            .AddSingleton<Stock>()
            .AddSingleton<EmailOutbox>();

        builder.Services.AddHerald(herald => herald
            .AddShopEvents()
            .AddHandlersFromAssembly(typeof(Program).Assembly));

        return builder.Build();
    }
}
