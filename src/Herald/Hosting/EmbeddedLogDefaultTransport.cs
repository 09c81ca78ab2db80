using Herald.Hosting;
using Herald.Transports;
using Herald.Transports.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

[assembly: DefaultTransport(typeof(EmbeddedLogDefaultTransport))]

namespace Herald.Hosting;

/// <summary>Makes the embedded log the transport of an application that chooses none, with its data directory from the
/// application's configuration (<c>Herald:EmbeddedLog:DataDirectory</c>) or <c>herald-data</c>.</summary>
internal sealed class EmbeddedLogDefaultTransport : IDefaultTransportFactory
{
    /// <summary>The configuration key of the default transport's data directory: <c>Herald__EmbeddedLog__DataDirectory</c> as an
    /// environment variable, <c>{"Herald":{"EmbeddedLog":{"DataDirectory":"…"}}}</c> in <c>appsettings.json</c>.</summary>
    public const string DataDirectoryKey = "Herald:EmbeddedLog:DataDirectory";

    public ITransport Create(IServiceProvider services)
    {
        var options = new EmbeddedLogTransportOptions();
        if (services.GetService<IConfiguration>()?[DataDirectoryKey] is { } directory)
        {
            options.DataDirectory = string.IsNullOrWhiteSpace(directory)
                ? throw new InvalidOperationException($"The configuration value {DataDirectoryKey} is empty: give the embedded log's data directory, or remove the value for ./herald-data.")
                : directory;
        }

        return EmbeddedLogHeraldBuilderExtensions.Create(services, options);
    }
}
