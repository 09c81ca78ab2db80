using Herald.Events;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Consuming;

/// <summary>Calls one handler class for one event type without reflection per delivery.</summary>
internal abstract class HandlerInvoker
{
    public abstract Task InvokeAsync(IServiceProvider services, object @event, EventEnvelope envelope, int attempt, string group, IEventPublisher publisher, CancellationToken cancellationToken);

    public static HandlerInvoker Create(Type handlerType, Type eventType) =>
        (HandlerInvoker)Activator.CreateInstance(typeof(HandlerInvoker<>).MakeGenericType(eventType), handlerType)!;
}

/// <summary>Calls <see cref="IEventHandler{TEvent}"/> on a handler resolved from the delivery's scope.</summary>
internal sealed class HandlerInvoker<TEvent>(Type handlerType) : HandlerInvoker
    where TEvent : notnull
{
    public override Task InvokeAsync(IServiceProvider services, object @event, EventEnvelope envelope, int attempt, string group, IEventPublisher publisher, CancellationToken cancellationToken)
    {
        var handler = (IEventHandler<TEvent>)services.GetRequiredService(handlerType);
        return handler.HandleAsync(new EventContext<TEvent>((TEvent)@event, envelope, attempt, group, publisher, cancellationToken));
    }
}
