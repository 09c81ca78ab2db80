using Herald.Events;

namespace MyService;

/// <summary>An order was placed. Its name and version on the wire are stable; the CLR type may be renamed.</summary>
[Event("order.placed")]
public sealed record OrderPlaced(Guid OrderId, decimal Total);
