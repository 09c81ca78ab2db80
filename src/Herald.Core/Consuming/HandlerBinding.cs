using Herald.Events;

namespace Herald.Consuming;

/// <summary>The handler a consumer group runs for one event type.</summary>
internal sealed record HandlerBinding(EventDescriptor Event, Type HandlerType, HandlerInvoker Invoker);
