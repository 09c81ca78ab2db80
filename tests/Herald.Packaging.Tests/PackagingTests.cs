using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Herald.Packaging.Tests;

/// <summary>Herald as a user gets it: the packages eng/pack.sh writes, the templates, the herald tool.</summary>
public sealed partial class PackagingTests(PackedHerald herald) : IClassFixture<PackedHerald>
{
    private static readonly TimeSpan ServiceTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void PackSh_NoBuild_WritesEveryPackageWithSymbolsAndListsThem()
    {
        foreach (var id in herald.ExpectedPackages)
        {
            var package = $"{id}.{herald.Version}.nupkg";
            Assert.True(File.Exists(Path.Combine(herald.Feed, package)), $"eng/pack.sh wrote no {package}. It printed:\n{herald.PackOutput}");
            Assert.Contains(package, herald.PackOutput, StringComparison.Ordinal);
            if (id != "Herald.Templates")
            {
                Assert.True(File.Exists(Path.Combine(herald.Feed, $"{id}.{herald.Version}.snupkg")), $"eng/pack.sh wrote no symbols for {id}. It printed:\n{herald.PackOutput}");
            }
        }
    }

    [Fact]
    public void Packages_Metadata_ReadyForAPublicFeed()
    {
        var repositoryReadme = File.ReadAllText(Path.Combine(herald.RepositoryRoot, "README.md"));
        foreach (var id in herald.ExpectedPackages)
        {
            using var package = ZipFile.OpenRead(Path.Combine(herald.Feed, $"{id}.{herald.Version}.nupkg"));
            var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

            Assert.Equal(herald.Version, Field("version"));
            Assert.Equal("Apache-2.0", Field("license"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")), $"{id} has no description.");
            Assert.Contains("events", Field("tags") ?? "", StringComparison.Ordinal);
            Assert.Equal("icon.png", Field("icon"));
            Assert.NotNull(package.GetEntry("icon.png"));
            Assert.Equal("README.md", Field("readme"));
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", repository.Attribute("type")?.Value);
            Assert.Matches(CommitHash(), repository.Attribute("commit")?.Value ?? "");

            // Each package's own README: what it is and how to get it, not the repository's front page.
            using var reader = new StreamReader(package.GetEntry("README.md")!.Open());
            var readme = reader.ReadToEnd();
            Assert.NotEqual(repositoryReadme, readme);
            var install = id switch
            {
                "Herald.Cli" => "dotnet tool install --global Herald.Cli",
                "Herald.Templates" => "dotnet new install Herald.Templates",
                _ => $"dotnet add package {id}",
            };
            Assert.Contains(install, readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HeraldService_FromThePackedTemplates_BuildsOfflineRunsAndPassesItsTests()
    {
        var app = Path.Combine(herald.Root, "app");
        Directory.CreateDirectory(app);
        (await herald.DotnetNewAsync(herald.Root, "install", Path.Combine(herald.Feed, $"Herald.Templates.{herald.Version}.nupkg"))).EnsureSuccess();
        (await herald.DotnetNewAsync(app, "herald-service", "-n", "Demo", "--no-update-check")).EnsureSuccess();
        var demo = Path.Combine(app, "Demo");
        Assert.Contains($"Include=\"Herald\" Version=\"{herald.Version}\"", await File.ReadAllTextAsync(Path.Combine(demo, "src", "Demo", "Demo.csproj"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // Restores from the feed folder alone (nuget.config above), with every warning an error.
        (await PackedHerald.DotnetAsync(demo, "build", "Demo.slnx", "-warnaserror")).EnsureSuccess();

        var run = Path.Combine(herald.Root, "run");
        Directory.CreateDirectory(run);
        var output = await Command.RunUntilAsync(
            "dotnet", [Path.Combine(demo, "src", "Demo", "bin", "Debug", "net10.0", "Demo.dll")], run,
            ["Published OrderPlaced", "Handled OrderPlaced", "Herald health: Healthy"], ServiceTimeout);
        var published = PublishedOrder().Match(output);
        Assert.True(published.Success, $"The service logged no order id. Its output:\n{output}");
        Assert.Contains($"Handled OrderPlaced {published.Groups["id"].Value}", output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(run, "herald-data")), $"The service kept no embedded log in {run}. Its output:\n{output}");

        // An event and its handler in the service, the handler's test in the test project: both build and pass.
        (await herald.DotnetNewAsync(Path.Combine(demo, "src", "Demo"), "herald-handler", "--event", "OrderShipped", "--handler", "NotifyCustomer", "--no-update-check")).EnsureSuccess();
        (await herald.DotnetNewAsync(Path.Combine(demo, "tests", "Demo.Tests"), "herald-handler", "--event", "OrderShipped", "--handler", "NotifyCustomer", "--test", "--no-update-check")).EnsureSuccess();
        var eventFile = await File.ReadAllTextAsync(Path.Combine(demo, "src", "Demo", "OrderShipped.cs"), TestContext.Current.CancellationToken);
        Assert.Contains("namespace Demo;", eventFile, StringComparison.Ordinal);
        Assert.Contains("[Event(\"order-shipped\")]", eventFile, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(demo, "src", "Demo", "NotifyCustomer.cs")));
        Assert.False(File.Exists(Path.Combine(demo, "src", "Demo", "NotifyCustomerTests.cs")));
        Assert.True(File.Exists(Path.Combine(demo, "tests", "Demo.Tests", "NotifyCustomerTests.cs")));
        Assert.False(File.Exists(Path.Combine(demo, "tests", "Demo.Tests", "OrderShipped.cs")));

        (await PackedHerald.DotnetAsync(demo, "build", "Demo.slnx", "-warnaserror")).EnsureSuccess();
        var tests = (await PackedHerald.DotnetAsync(demo, "test", "--no-build")).EnsureSuccess();
        Assert.Matches(TwoTestsPassed(), AnsiEscape().Replace(tests.Output, ""));
    }

    [Fact]
    public async Task RabbitMQOnlyApp_FromThePackages_ShipsHeraldCoreWithoutTheEmbeddedLogAndStopsWithoutABroker()
    {
        var app = Path.Combine(herald.Root, "rabbitmq-only");
        Directory.CreateDirectory(app);
        File.Copy(Path.Combine(herald.RepositoryRoot, "samples", "RabbitMQOnly", "Program.cs"), Path.Combine(app, "Program.cs"));
        await WriteProjectAsync(app, "RabbitMQOnly", "Herald.RabbitMQ");

        var output = Path.Combine(app, "out");
        (await PackedHerald.DotnetAsync(app, "publish", "-o", output, "-warnaserror")).EnsureSuccess();

        var files = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
        Assert.Contains("Herald.Core.dll", files);
        Assert.Contains("Herald.RabbitMQ.dll", files);
        Assert.DoesNotContain("Herald.Log.dll", files);
        Assert.DoesNotContain("Herald.dll", files);

        // Nothing listens on port 1: the service stops at start-up naming what it could not reach, rather than waiting.
        var run = await Command.RunAsync("dotnet", [Path.Combine(output, "RabbitMQOnly.dll"), "--RabbitMQ", "amqp://guest:guest@127.0.0.1:1/"], app, ServiceTimeout);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Could not start on RabbitMQ at 127.0.0.1:1: BrokerUnreachableException", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoreOnlyApp_NoTransportChosen_FailsAtStartNamingWhatToDo()
    {
        var app = Path.Combine(herald.Root, "core-only");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using Herald.Hosting;
            using Microsoft.Extensions.Hosting;

            var builder = Host.CreateApplicationBuilder(args);
            builder.Services.AddHerald();
            using var host = builder.Build();
            await host.StartAsync();
            Console.WriteLine("started");
            """, TestContext.Current.CancellationToken);
        await WriteProjectAsync(app, "CoreOnly", "Herald.Core");
        (await PackedHerald.DotnetAsync(app, "build", "-warnaserror")).EnsureSuccess();

        var run = await Command.RunAsync("dotnet", [Path.Combine(app, "bin", "Debug", "net10.0", "CoreOnly.dll")], app, ServiceTimeout);

        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("started", run.Output, StringComparison.Ordinal);
        Assert.Contains("the application references Herald.Core without the Herald package", run.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet add package Herald", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeraldCli_InstalledFromTheFeed_PrintsItsVersion()
    {
        var tools = Path.Combine(herald.Root, "tools");
        (await PackedHerald.DotnetAsync(herald.Root, "tool", "install", "Herald.Cli", "--tool-path", tools, "--add-source", herald.Feed, "--version", herald.Version)).EnsureSuccess();

        var version = (await Command.RunAsync(Path.Combine(tools, "herald"), ["--version"], herald.Root, PackedHerald.CommandTimeout)).EnsureSuccess();

        Assert.StartsWith(herald.Version, version.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PackSh_UnknownOption_FailsNamingIt()
    {
        var result = await Command.RunAsync("bash", [Path.Combine(herald.RepositoryRoot, "eng", "pack.sh"), "--outptu", herald.Root], herald.Root, PackedHerald.CommandTimeout);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown option '--outptu'", result.Output, StringComparison.Ordinal);
    }

    // A console application on one Herald package, at the version of Microsoft.Extensions.Hosting Herald builds with.
    private async Task WriteProjectAsync(string directory, string name, string package)
    {
        var versions = await File.ReadAllTextAsync(Path.Combine(herald.RepositoryRoot, "Directory.Packages.props"), TestContext.Current.CancellationToken);
        var hosting = HostingVersion().Match(versions).Groups["version"].Value;
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{herald.Version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{hosting}" />
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
    }

    [GeneratedRegex("<PackageVersion Include=\"Microsoft.Extensions.Hosting\" Version=\"(?<version>[^\"]+)\"")]
    private static partial Regex HostingVersion();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    [GeneratedRegex(@"Published OrderPlaced (?<id>[0-9a-f-]{36})")]
    private static partial Regex PublishedOrder();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"total:\s*2\b[\s\S]*failed:\s*0\b[\s\S]*succeeded:\s*2\b")]
    private static partial Regex TwoTestsPassed();
}
