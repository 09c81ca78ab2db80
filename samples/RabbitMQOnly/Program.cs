using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.RabbitMQ;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQOnly;

// The broker is --RabbitMQ <uri> on the command line (or the RabbitMQ setting), else RabbitMQ on this machine.
var builder = Host.CreateApplicationBuilder(args);
var uri = new Uri(builder.Configuration["RabbitMQ"] ?? "amqp://guest:guest@127.0.0.1:5672/");
builder.Services.AddHerald(h =>
{
    h.Options.ServiceName = "rabbitmq-only";
    h.AddHandler<PrintOrder>();
    h.UseRabbitMQ(o =>
    {
        o.Uri = uri;
        o.NamePrefix = "rabbitmq-only.";
    });
});

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Exception e)
{
    await Console.Error.WriteLineAsync($"Could not start on RabbitMQ at {uri.Host}:{uri.Port}: {e.GetType().Name}: {e.Message}");
    return 1;
}

var order = new OrderPlaced(Guid.NewGuid());
await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(order);
Console.WriteLine($"Published OrderPlaced {order.OrderId}");
await host.WaitForShutdownAsync();
return 0;

namespace RabbitMQOnly
{
    [Event("order.placed")]
    public sealed record OrderPlaced(Guid OrderId);

    [ConsumerGroup("printer")]
    public sealed class PrintOrder : IEventHandler<OrderPlaced>
    {
        public Task HandleAsync(EventContext<OrderPlaced> context)
        {
            Console.WriteLine($"Handled OrderPlaced {context.Event.OrderId}");
            return Task.CompletedTask;
        }
    }
}
