using Herald.Hosting;
using Herald.Transports.Embedded;
using Microsoft.Extensions.Configuration;
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

    [Fact]
    public async Task Create_DataDirectoryConfigured_OpensTheEmbeddedLogThere()
    {
        var directory = Path.Combine(Path.GetTempPath(), "herald-default-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Herald:EmbeddedLog:DataDirectory", directory)]).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).BuildServiceProvider();
        try
        {
            var transport = Assert.IsType<EmbeddedLogTransport>(DefaultTransport.Create(services));
            await using (transport)
            {
                Assert.Equal(Path.GetFullPath(directory), Path.GetFullPath(transport.Log.Directory));
                Assert.True(Directory.Exists(directory));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Create_DataDirectoryConfiguredEmpty_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Herald:EmbeddedLog:DataDirectory", " ")]).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => DefaultTransport.Create(services));

        Assert.Contains("Herald:EmbeddedLog:DataDirectory is empty", error.Message, StringComparison.Ordinal);
    }
}
