using Herald.Hosting;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Hosting;

/// <summary>The transport of an application that chooses none: the one the Herald assembly names, or a start-up error saying what to do.</summary>
public sealed class DefaultTransportTests
{
    [Fact]
    public void Create_AssemblyMissing_FailsNamingThePackageToAddAndTheTransportsToChoose()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => DefaultTransport.Create(services, "Herald.Absent"));

        Assert.Contains("references Herald.Core without the Herald.Absent package", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet add package Herald.Absent", error.Message, StringComparison.Ordinal);
        Assert.Contains("h.UseRabbitMQ(...)", error.Message, StringComparison.Ordinal);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public void Create_AssemblyWithoutADefaultTransport_FailsNamingWhatToDo()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => DefaultTransport.Create(services, "Herald.Core"));

        Assert.Contains("choose a transport in AddHerald", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultTransportAttribute_OnTheHeraldAssembly_NamesTheEmbeddedLog()
    {
        var attribute = Assert.Single(typeof(EmbeddedLogTransport).Assembly.GetCustomAttributes(typeof(DefaultTransportAttribute), inherit: false));

        Assert.Equal(DefaultTransport.AssemblyName, typeof(EmbeddedLogTransport).Assembly.GetName().Name);
        Assert.True(typeof(IDefaultTransportFactory).IsAssignableFrom(((DefaultTransportAttribute)attribute).FactoryType));
    }
}
