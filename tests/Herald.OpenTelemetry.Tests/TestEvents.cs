using Herald.Consuming;
using Herald.Events;

namespace Herald.OpenTelemetry.Tests;

[Event("test.invoice-issued")]
public sealed record InvoiceIssued(string InvoiceId, bool Fails = false);

/// <summary>Completes every invoice unless it says it fails; counts what it completed.</summary>
public sealed class InvoiceHandler(HandledCounter counter) : IEventHandler<InvoiceIssued>
{
    public const string Group = "billing";

    public Task HandleAsync(EventContext<InvoiceIssued> context)
    {
        if (context.Event.Fails)
        {
            counter.Fail();
            throw new InvalidOperationException($"invoice {context.Event.InvoiceId} is refused");
        }

        counter.Increment();
        return Task.CompletedTask;
    }
}

/// <summary>Signals once a number of events were handled.</summary>
public sealed class HandledCounter
{
    private int _handled;
    private int _failures;

    public int Target { get; set; } = int.MaxValue;

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Failures => Volatile.Read(ref _failures);

    public void Fail() => Interlocked.Increment(ref _failures);

    public void Increment()
    {
        if (Interlocked.Increment(ref _handled) >= Target)
        {
            Reached.TrySetResult();
        }
    }
}
