using System.Net;
using Herald.Hosting;
using Herald.Kafka;
using Herald.Publishing;
using Herald.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Tests.Brokers;

/// <summary>An application on Kafka (herald serve, hosted here) dead-letters events; the operator lists and redrives them
/// with <c>herald dlq --transport kafka</c> while it is stopped; its next run handles them in the failed group only.</summary>
public sealed class KafkaDeadLetterTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly CliHarness _cli = new();
    private readonly Ledger _ledger = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-cli-kafka-{Guid.NewGuid():N}");
    private HeraldServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = new HeraldServer(new HeraldServerOptions { DataDirectory = _directory, Listen = new IPEndPoint(IPAddress.Loopback, 0), GroupInitialRebalanceDelay = TimeSpan.Zero });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _cli.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ListAndRedrive_TheFailedGroupAloneHandlesTheEventsOnItsNextRun()
    {
        Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
        Assert.Equal(0, _cli.Json().GetArrayLength());
        Assert.False(_server.Log.TryGetTopic("__herald.dead-letters", out _), "Listing created the dead-letter topic.");

        _ledger.BillingDown = true;
        await RunApplicationAsync(publish: 3, until: () => _ledger.Handled.Count(x => x.Group == "shipping") == 3
            && _server.Log.TryGetTopic("__herald.dead-letters", out var letters) && letters.Partitions.Sum(p => p.EndOffset) == 3);

        Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
        var listed = _cli.Json().EnumerateArray().ToList();
        Assert.Equal(3, listed.Count);
        Assert.All(listed, l => Assert.Equal("billing", l.GetProperty("group").GetString()));

        Assert.Equal(0, await CliAsync("dlq", "redrive", "--group", "billing", "--yes"));
        Assert.Contains("Redriven 3 dead letters (billing: 3).", _cli.Output, StringComparison.Ordinal);

        _ledger.BillingDown = false;
        await RunApplicationAsync(until: () => _ledger.Handled.Count(x => x.Group == "billing") == 3);

        Assert.Equal(["o0", "o1", "o2"], _ledger.Handled.Where(h => h.Group == "billing").Select(h => h.OrderId).Order(StringComparer.Ordinal));
        Assert.Equal(3, _ledger.Handled.Count(h => h.Group == "shipping"));
        Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
        Assert.Equal(0, _cli.Json().GetArrayLength());
    }

    [Fact]
    public async Task List_NoBrokerThere_ExitsBrokerUnreachableNamingKafkaAndTheAddress()
    {
        var code = await _cli.RunAsync("dlq", "list", "--transport", "kafka", "--connection", "127.0.0.1:1");

        Assert.Equal(ExitCodes.BrokerUnreachable, code);
        Assert.StartsWith("herald: cannot connect to Kafka at 127.0.0.1:1", _cli.Error, StringComparison.Ordinal);
    }

    private Task<int> CliAsync(params string[] args) =>
        _cli.RunAsync([.. args, "--transport", "kafka", "--connection", _server.AdvertisedAddress]);

    /// <summary>Runs the application until <paramref name="until"/> holds, then stops it.</summary>
    private async Task RunApplicationAsync(Func<bool> until, int publish = 0)
    {
        var token = TestContext.Current.CancellationToken;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_ledger).AddHerald(h => h
            .UseKafka(o =>
            {
                (o.BootstrapServers, o.SessionTimeout) = (_server.AdvertisedAddress, TimeSpan.FromSeconds(6));
                // herald serve takes no topic configs.
                o.DeadLetterTopicConfigs.Clear();
            })
            .AddHandler<LedgerHandler>("billing")
            .AddHandler<LedgerHandler>("shipping")
            .ConfigureGroup("billing", g => (g.ImmediateRetries, g.DelayedRetries) = (0, 0)));
        using var host = builder.Build();
        await host.StartAsync(token);
        try
        {
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            for (var i = 0; i < publish; i++)
            {
                await publisher.PublishAsync(new OrderPlaced($"o{i}"), cancellationToken: token);
            }

            var deadline = DateTimeOffset.UtcNow + Timeout;
            while (!until())
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, "The application did not get there in time.");
                await Task.Delay(50, token);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
