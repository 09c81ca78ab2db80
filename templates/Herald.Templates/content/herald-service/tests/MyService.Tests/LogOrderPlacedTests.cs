using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MyService.Tests;

public sealed class LogOrderPlacedTests
{
    [Fact]
    public async Task HandleAsync_OrderPlaced_IsHandled()
    {
        // The service's handlers on the in-memory transport and fake time: no broker, no data directory, no sleeps.
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<LogOrderPlaced>("orders"), services => services.AddLogging());
        var order = new OrderPlaced(Guid.NewGuid(), 42m);

        await harness.PublishAsync(order, cancellationToken: TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([order], harness.HandledBy<OrderPlaced>("orders"));
        Assert.Empty(harness.Failed);
    }
}
