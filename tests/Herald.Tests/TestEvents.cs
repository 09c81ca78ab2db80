using Herald.Events;

namespace Herald.Tests;

[Event("test.order-placed")]
public sealed record OrderPlaced(string OrderId, int Amount);

[Event("test.order-paid")]
public sealed record OrderPaid(string OrderId);

[Event("test.order-shipped")]
public sealed record OrderShipped(string OrderId);

[Event("test.ping")]
public sealed record Ping(int Hop);

public sealed record NotAnnotated(string Value);

/// <summary>A type whose construction would be a security hole if a message could name it.</summary>
public sealed class Dangerous
{
    private static int s_instances;

    public Dangerous() => Interlocked.Increment(ref s_instances);

    public static int Instances => Volatile.Read(ref s_instances);

    public string? Command { get; set; }
}
