using Microsoft.Extensions.DependencyInjection;

namespace Herald.Hosting;

/// <summary>Reads Herald's validated configuration from an application's services, for tools such as health checks.</summary>
public static class HeraldServiceProviderExtensions
{
    /// <summary>Returns every (topic, consumer group) pair this application consumes, in registration order.</summary>
    /// <remarks>Builds and validates the configuration if nothing has resolved it yet.</remarks>
    /// <exception cref="InvalidOperationException">Herald was not added, or its configuration is inconsistent; the message says which.</exception>
    public static IReadOnlyList<(string Topic, string Group)> GetHeraldSubscriptions(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var model = services.GetService<HeraldModel>()
            ?? throw new InvalidOperationException("Herald was not added to the services: call services.AddHerald(...) first.");
        return [.. model.Subscriptions.Select(s => (s.Topic, s.Group))];
    }
}
