using Herald.Consuming.Ordering;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.RabbitMQ.Tests;

/// <summary>The entry point, without a broker: it connects on first use only.</summary>
public sealed class RabbitMQHeraldBuilderExtensionsTests
{
    [Fact]
    public async Task UseRabbitMQ_Configured_RegistersTheTransportWithoutConnecting()
    {
        await using var services = new ServiceCollection()
            .AddHerald(h => h.UseRabbitMQ(o => (o.Uri, o.Partitions) = (new Uri("amqp://nobody:secret@192.0.2.1:5672/"), 8)))
            .BuildServiceProvider();

        var transport = Assert.IsType<RabbitMQTransport>(services.GetRequiredService<ITransport>());

        Assert.Equal(8, transport.Options.Partitions);
        Assert.Equal("rabbitmq", transport.MessagingSystem);
        Assert.Null(transport.SequencePositions);
    }

    [Theory]
    [InlineData(0, 100, "herald.")]
    [InlineData(257, 100, "herald.")]
    [InlineData(4, 0, "herald.")]
    [InlineData(4, 65536, "herald.")]
    [InlineData(4, 100, "amq.herald.")]
    public void UseRabbitMQ_InvalidOptions_Throws(int partitions, int prefetch, string prefix) =>
        Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection()
            .AddHerald(h => h.UseRabbitMQ(o => (o.Partitions, o.PrefetchCount, o.NamePrefix) = (partitions, prefetch, prefix))));

    [Fact]
    public async Task HostStart_ReorderingGroupAndNoRegisteredPositionStore_RefusesBeforeConnecting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new Handling()).AddHerald(h => h
            .UseRabbitMQ(o => o.Uri = new Uri("amqp://nobody:secret@192.0.2.1:5672/"))
            .AddHandler<OrderPlacedHandler>("billing")
            .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions()));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Consumer group 'billing' on topic 'test.order-placed' enables Reorder", error.Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMQTransport (messaging.system 'rabbitmq') keeps no sequence positions", error.Message, StringComparison.Ordinal);
        Assert.Contains("ISequencePositionStore", error.Message, StringComparison.Ordinal);
    }
}
