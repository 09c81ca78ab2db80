using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Publishing;
using Herald.RabbitMQ;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Tests.Brokers;

/// <summary>An application on RabbitMQ dead-letters events; the operator lists and redrives them with
/// <c>herald dlq --transport rabbitmq</c> while it is stopped; its next run handles them in the failed group only.</summary>
public sealed class RabbitMQDeadLetterTests(RabbitMQBroker broker) : IDisposable
{
    private const int Partitions = 2;
    private const string Topic = "cli.order-placed";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly CliHarness _cli = new();
    private readonly Ledger _ledger = new();
    private readonly string _prefix = "herald-cli-test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Redrive_DryRunChangesNothing_ThenTheFailedGroupAloneHandlesTheEvents()
    {
        _ = broker.Connection;
        var token = TestContext.Current.CancellationToken;
        try
        {
            _ledger.BillingDown = true;
            await RunApplicationAsync(publish: 3, until: async h => (await h.Services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: token)).Count == 3
                && _ledger.Handled.Count(x => x.Group == "shipping") == 3);

            Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
            var listed = _cli.Json().EnumerateArray().ToList();
            Assert.Equal(3, listed.Count);
            Assert.All(listed, l => Assert.Equal("billing", l.GetProperty("group").GetString()));

            Assert.Equal(0, await CliAsync("dlq", "redrive", "--all", "--dry-run", "--json"));
            Assert.True(_cli.Json().GetProperty("dryRun").GetBoolean());
            Assert.Equal(3, _cli.Json().GetProperty("count").GetInt32());
            Assert.Equal(0u, await broker.CountMessagesAsync(_prefix + ".", DeadLetterQueues.RedriveTopic(Topic, "billing"), "billing", Partitions));
            Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
            Assert.Equal(3, _cli.Json().GetArrayLength());

            // With RabbitMQ's default of 4 partitions two of the events would go to queues the application never bound.
            Assert.Equal(ExitCodes.NoRedriveQueue, await CliAsync(partitions: 4, "dlq", "redrive", "--all", "--yes"));
            Assert.Contains("nothing was redriven", _cli.Error, StringComparison.Ordinal);
            Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
            Assert.Equal(3, _cli.Json().GetArrayLength());

            Assert.Equal(0, await CliAsync("dlq", "redrive", "--group", "billing", "--yes"));
            Assert.Contains("Redriven 3 dead letters (billing: 3).", _cli.Output, StringComparison.Ordinal);
            // A quorum queue's message count trails its confirms a little; the events wait there while the application is stopped.
            Assert.True(await EventuallyAsync(async () => await broker.CountMessagesAsync(_prefix + ".", DeadLetterQueues.RedriveTopic(Topic, "billing"), "billing", Partitions) == 3));

            _ledger.BillingDown = false;
            await RunApplicationAsync(until: _ => Task.FromResult(_ledger.Handled.Count(x => x.Group == "billing") == 3));

            Assert.Equal(["o0", "o1", "o2"], _ledger.Handled.Where(h => h.Group == "billing").Select(h => h.OrderId).Order(StringComparer.Ordinal));
            Assert.Equal(3, _ledger.Handled.Count(h => h.Group == "shipping"));
            Assert.Equal(0, await CliAsync("dlq", "list", "--json"));
            Assert.Equal(0, _cli.Json().GetArrayLength());
        }
        finally
        {
            await broker.DeleteAsync(
                _prefix + ".",
                [(Topic, "billing"), (Topic, "shipping"), (DeadLetterQueues.RedriveTopic(Topic, "billing"), "billing"), (DeadLetterQueues.RedriveTopic(Topic, "shipping"), "shipping")],
                Partitions);
        }
    }

    [Fact]
    public async Task List_BrokerDown_ExitsBrokerUnreachableWithOneLineAndNoPassword()
    {
        var code = await _cli.RunAsync("dlq", "list", "--transport", "rabbitmq", "--connection", "amqp://guest:secret@127.0.0.1:1/");

        Assert.Equal(ExitCodes.BrokerUnreachable, code);
        var line = Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("herald: cannot connect to RabbitMQ at amqp://***@127.0.0.1:1/", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dlq", "list", "--transport", "rabbitmq", "--data", "d")]
    [InlineData("dlq", "list", "--prefix", "p")]
    [InlineData("dlq", "list", "--connection", "amqp://x/")]
    [InlineData("dlq", "list", "--transport", "nats", "--partitions", "2")]
    [InlineData("dlq", "list", "--transport", "rabbitmq", "--partitions", "0")]
    [InlineData("dlq", "list", "--transport", "kafka", "--prefix", "p")]
    [InlineData("dlq", "list", "--transport", "kafka", "--partitions", "2")]
    [InlineData("dlq", "redrive", "--all", "--yes", "--transport", "rabbitmq", "--data", "d")]
    public async Task Run_LocationOptionsThatDoNotFit_ExitsTwoWithoutConnecting(params string[] args)
    {
        var code = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_cli.OpenedDirectories);
        Assert.StartsWith("herald: ", Assert.Single(_cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return true;
    }

    private Task<int> CliAsync(params string[] args) => CliAsync(Partitions, args);

    private Task<int> CliAsync(int partitions, params string[] args) =>
        _cli.RunAsync([.. args, "--transport", "rabbitmq", "--connection", RabbitMQBroker.Uri, "--prefix", _prefix, "--partitions", $"{partitions}"]);

    /// <summary>Runs the application until <paramref name="until"/> holds, then stops it.</summary>
    private async Task RunApplicationAsync(Func<IHost, Task<bool>> until, int publish = 0)
    {
        var token = TestContext.Current.CancellationToken;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_ledger).AddHerald(h => h
            .UseRabbitMQ(o => (o.Uri, o.NamePrefix, o.Partitions) = (new Uri(RabbitMQBroker.Uri), _prefix + ".", Partitions))
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
            while (!await until(host))
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
