using Herald.Diagnostics;
using Herald.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Hosting;

/// <summary>Adds the idempotent-consumer inbox to Herald.</summary>
public static class HeraldInboxExtensions
{
    /// <summary>
    /// Adds <see cref="IInbox"/> over the store <paramref name="storeFactory"/> creates, and a hosted service that deletes
    /// records older than <see cref="InboxOptions.Retention"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">An inbox was already added.</exception>
    public static HeraldBuilder UseInbox(this HeraldBuilder builder, Func<IServiceProvider, IInboxStore> storeFactory, Action<InboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeFactory);
        var options = new InboxOptions();
        configure?.Invoke(options);
        options.Validate();
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(InboxOptions)))
        {
            throw new InvalidOperationException("An inbox was added twice; call UseInbox (or a store's UseXxxInbox) once.");
        }

        services.AddSingleton(options);
        services.AddSingleton(storeFactory);
        services.AddSingleton<IInbox>(sp => new Herald.Inbox.Inbox(sp.GetRequiredService<IInboxStore>(), sp.GetRequiredService<ObserverSet>(), Logger(sp)));
        services.AddSingleton(sp => new InboxCleanup(sp.GetRequiredService<IInboxStore>(), options, sp.GetRequiredService<TimeProvider>(), Logger(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<InboxCleanup>());
        return builder;
    }

    private static ILogger Logger(IServiceProvider services) =>
        (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Herald.Inbox");
}
