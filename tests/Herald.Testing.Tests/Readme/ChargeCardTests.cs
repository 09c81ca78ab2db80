using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ReadmeSnippets.Tests;

public sealed class ChargeCardTests
{
    [Fact]
    public async Task OrderCreated_ChargesTheCardOnceAndPublishesPaymentCompleted()
    {
        var gateway = new RecordingGateway();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandlersFromAssembly(typeof(ChargeCard).Assembly), // as the application does
            services => services.AddSingleton<IPaymentGateway>(gateway)); // the services the handlers inject

        var id = Guid.NewGuid();
        await harness.PublishAsync(new OrderCreated(id, "ada@example.com", 42m));
        await harness.ProcessPendingAsync(); // handles until idle, events the handlers publish included

        Assert.Equal(id, Assert.Single(gateway.Charged));
        Assert.Equal(id, Assert.Single(harness.PublishedOf<PaymentCompleted>()).OrderId);
    }

    private sealed class RecordingGateway : IPaymentGateway
    {
        public List<Guid> Charged { get; } = [];

        public Task ChargeAsync(Guid orderId, decimal amount, CancellationToken cancellationToken)
        {
            Charged.Add(orderId);
            return Task.CompletedTask;
        }
    }
}
