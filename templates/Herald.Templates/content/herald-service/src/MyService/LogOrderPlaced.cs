using Herald.Consuming;

namespace MyService;

/// <summary>Handles <see cref="OrderPlaced"/> in the service's consumer group (its service name).</summary>
/// <remarks>A handler that throws sees the event again after a growing delay, then it goes to the group's dead-letter
/// queue (<c>herald dlq list --data ./herald-data</c>).</remarks>
public sealed partial class LogOrderPlaced(ILogger<LogOrderPlaced> logger) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        LogHandled(logger, context.Event.OrderId, context.Event.Total);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handled OrderPlaced {OrderId} ({Total})")]
    private static partial void LogHandled(ILogger logger, Guid orderId, decimal total);
}
