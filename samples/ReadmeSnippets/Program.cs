using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReadmeSnippets;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<IPaymentGateway, CardIssuerGateway>(); // what the handlers inject
builder.Services.AddHerald(h =>
{
    h.Options.ServiceName = "shop";
    h.AddEvent<OrderCreated>(e => e.PartitionKey(o => o.OrderId.ToString()));
    h.AddHandlersFromAssembly(typeof(ChargeCard).Assembly);
    // No transport chosen: the embedded durable log in ./herald-data. The configuration key
    // Herald:EmbeddedLog:DataDirectory (or UseEmbeddedLog(o => o.DataDirectory = "...")) moves it;
    // UseInMemoryTransport() is one line too.
});

using var host = builder.Build();
await host.StartAsync(); // starts the consumer groups

var publisher = host.Services.GetRequiredService<IEventPublisher>();
await publisher.PublishAsync(new OrderCreated(Guid.NewGuid(), "ada@example.com", 42m));

await host.WaitForShutdownAsync(); // Ctrl+C stops the groups once their handlers finish

internal sealed class CardIssuerGateway : IPaymentGateway
{
    public Task ChargeAsync(Guid orderId, decimal amount, CancellationToken cancellationToken) => Task.CompletedTask; // call your issuer here
}
