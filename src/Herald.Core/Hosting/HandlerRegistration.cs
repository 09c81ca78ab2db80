namespace Herald.Hosting;

internal sealed record HandlerRegistration(Type HandlerType, Type EventType, string? Group);
