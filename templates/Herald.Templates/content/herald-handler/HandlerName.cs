using Herald.Consuming;
using Microsoft.Extensions.Logging;

namespace MyApp;

/// <summary>Handles <see cref="EventName"/>. AddHandlersFromAssembly registers it; AddHandler&lt;HandlerName&gt;() does too.</summary>
public sealed partial class HandlerName(ILogger<HandlerName> logger) : IEventHandler<EventName>
{
    public Task HandleAsync(EventContext<EventName> context)
    {
        LogHandled(logger, context.Event.Id);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handled EventName {Id}")]
    private static partial void LogHandled(ILogger logger, Guid id);
}
