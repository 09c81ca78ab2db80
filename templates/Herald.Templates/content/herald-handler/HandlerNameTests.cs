using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MyApp;

public sealed class HandlerNameTests
{
    [Fact]
    public async Task HandleAsync_EventName_IsHandled()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<HandlerName>("test"), services => services.AddLogging());
        var @event = new EventName(Guid.NewGuid());

        await harness.PublishAsync(@event, cancellationToken: TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([@event], harness.HandledBy<EventName>("test"));
        Assert.Empty(harness.Failed);
    }
}
