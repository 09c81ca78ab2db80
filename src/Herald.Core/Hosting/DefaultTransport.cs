using System.Reflection;
using Herald.Transports;

namespace Herald.Hosting;

/// <summary>Finds the transport of an application that chose none: the one the <c>Herald</c> assembly names, if it is there.</summary>
internal static class DefaultTransport
{
    /// <summary>The assembly (and package) that carries the default transport, the embedded log.</summary>
    public const string AssemblyName = "Herald";

    /// <exception cref="InvalidOperationException">No assembly <paramref name="assemblyName"/>, or it names no default transport.</exception>
    public static ITransport Create(IServiceProvider services, string assemblyName = AssemblyName)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (FileNotFoundException e)
        {
            throw NoTransport(assemblyName, e);
        }

        var attribute = assembly.GetCustomAttribute<DefaultTransportAttribute>() ?? throw NoTransport(assemblyName, null);
        var factory = Activator.CreateInstance(attribute.FactoryType, nonPublic: true) as IDefaultTransportFactory
            ?? throw new InvalidOperationException(
                $"{attribute.FactoryType.FullName}, the default transport the assembly {assemblyName} names, does not implement {nameof(IDefaultTransportFactory)}.");
        return factory.Create(services);
    }

    private static InvalidOperationException NoTransport(string assemblyName, Exception? inner) => new(
        $"No transport is chosen and the default one, the embedded log, is not there: the application references Herald.Core " +
        $"without the {assemblyName} package. Either add the {assemblyName} package (dotnet add package {assemblyName}) for the embedded " +
        "log, or choose a transport in AddHerald, such as h.UseRabbitMQ(...) (Herald.RabbitMQ), h.UseNats(...) (Herald.Nats) or h.UseInMemoryTransport().",
        inner);
}
