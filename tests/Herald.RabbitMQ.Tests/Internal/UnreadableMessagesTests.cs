using Herald.DeadLetters;
using Herald.Events;
using Herald.RabbitMQ.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Tests.Internal;

/// <summary>Dead letters of unreadable messages, without a broker.</summary>
public sealed class UnreadableMessagesTests
{
    [Fact]
    public async Task SaveAsync_SameMessageWithoutIdRedelivered_ReplacesItsOwnDeadLetter()
    {
        var store = new InMemoryDeadLetterStore();
        var unreadable = new UnreadableMessages(store, "imports", "loader", TimeProvider.System, NullLogger.Instance, new Herald.Hosting.EventLimits());

        // The quorum queue adds x-delivery-count when it delivers a message again, e.g. after a crash before the acknowledgement.
        await unreadable.SaveAsync("q", Message(new() { ["legacy"] = "yes" }), new EventFormatException("no specversion"));
        await unreadable.SaveAsync("q", Message(new() { ["legacy"] = "yes", ["x-delivery-count"] = 1L }), new EventFormatException("no specversion"));

        var letter = Assert.Single(await store.GetAllAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("unreadable-", letter.EventId, StringComparison.Ordinal);
    }

    private static BasicDeliverEventArgs Message(Dictionary<string, object?> headers) =>
        new("consumer", 1, redelivered: false, "herald.imports", "p0", new BasicProperties { Headers = headers }, "a,b"u8.ToArray());
}
