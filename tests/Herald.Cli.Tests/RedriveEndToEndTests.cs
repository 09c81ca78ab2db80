using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Cli.Tests;

[Event("cli.order-placed")]
public sealed record OrderPlaced(string OrderId);

/// <summary>What the application's handlers did, shared across its runs.</summary>
public sealed class Ledger
{
    public bool BillingDown { get; set; }

    public ConcurrentQueue<(string Group, string OrderId)> Handled { get; } = new();
}

public sealed class LedgerHandler(Ledger ledger) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        if (ledger.BillingDown && context.ConsumerGroup == "billing")
        {
            throw new TimeoutException("billing provider unreachable");
        }

        ledger.Handled.Enqueue((context.ConsumerGroup, context.Event.OrderId));
        return Task.CompletedTask;
    }
}

/// <summary>An application dead-letters events; the operator redrives them with the CLI while it is stopped; its next run handles them.</summary>
public sealed class RedriveEndToEndTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly Ledger _ledger = new();

    public RedriveEndToEndTests() => _cli.Open = _cli.OpenEmbedded;

    public void Dispose() => _cli.Dispose();

    /// <summary>Runs the application once over the data directory until it has nothing left to do.</summary>
    private async Task RunApplicationAsync(int publish = 0)
    {
        await using var services = new ServiceCollection()
            .AddSingleton(_ledger)
            .AddHerald(h => h
                .UseEmbeddedLog(o => o.DataDirectory = _cli.DataDirectory)
                .AddHandler<LedgerHandler>("billing")
                .AddHandler<LedgerHandler>("shipping")
                .ConfigureGroup("billing", g => g.DelayedRetries = 0))
            .BuildServiceProvider();
        var publisher = services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < publish; i++)
        {
            await publisher.PublishAsync(new OrderPlaced($"o{i}"), cancellationToken: TestContext.Current.CancellationToken);
        }

        var driver = services.GetRequiredService<IConsumerDriver>();
        while (await driver.ProcessAvailableAsync(TestContext.Current.CancellationToken) > 0)
        {
        }
    }

    [Fact]
    public async Task Redrive_DryRunChangesNothing_ThenTheFailedGroupAloneHandlesTheEventsOnce()
    {
        _ledger.BillingDown = true;
        await RunApplicationAsync(publish: 3);
        Assert.Equal(3, _ledger.Handled.Count(h => h.Group == "shipping"));
        Assert.Equal(0, await _cli.RunAsync("dlq", "list", "--json"));
        Assert.Equal(3, _cli.Json().GetArrayLength());

        _ledger.BillingDown = false;
        Assert.Equal(0, await _cli.RunAsync("dlq", "redrive", "--all", "--dry-run"));
        await RunApplicationAsync();
        Assert.DoesNotContain(_ledger.Handled, h => h.Group == "billing");
        Assert.Equal(0, await _cli.RunAsync("dlq", "list", "--json"));
        Assert.Equal(3, _cli.Json().GetArrayLength());

        Assert.Equal(0, await _cli.RunAsync("dlq", "redrive", "--group", "billing", "--yes"));
        await RunApplicationAsync();
        await RunApplicationAsync();

        Assert.Equal(["o0", "o1", "o2"], _ledger.Handled.Where(h => h.Group == "billing").Select(h => h.OrderId).Order(StringComparer.Ordinal));
        Assert.Equal(3, _ledger.Handled.Count(h => h.Group == "shipping"));
        Assert.Equal(0, await _cli.RunAsync("dlq", "list", "--json"));
        Assert.Equal(0, _cli.Json().GetArrayLength());
    }
}
