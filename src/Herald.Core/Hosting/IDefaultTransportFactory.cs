using Herald.Transports;

namespace Herald.Hosting;

/// <summary>Creates the transport <c>AddHerald</c> uses when the application chooses none (see <see cref="DefaultTransportAttribute"/>).</summary>
public interface IDefaultTransportFactory
{
    /// <summary>Creates the default transport; called once per container, when the transport is first resolved.</summary>
    /// <param name="services">The application's services, for the clock, the loggers and <see cref="HeraldOptions"/>.</param>
    ITransport Create(IServiceProvider services);
}
