using Herald.Hosting;
using Herald.Transports;
using Herald.Transports.Embedded;

[assembly: DefaultTransport(typeof(EmbeddedLogDefaultTransport))]

namespace Herald.Hosting;

/// <summary>Makes the embedded log, with its default options, the transport of an application that chooses none.</summary>
internal sealed class EmbeddedLogDefaultTransport : IDefaultTransportFactory
{
    public ITransport Create(IServiceProvider services) => EmbeddedLogHeraldBuilderExtensions.Create(services, new EmbeddedLogTransportOptions());
}
