using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;

namespace Herald.Conformance.Consuming;

/// <summary>The event <see cref="PipelineConformance{TFixture}"/> publishes.</summary>
[Event("conformance.order-placed")]
public sealed record OrderPlaced(string OrderId);

/// <summary>Fails for the groups a test names and records every attempt.</summary>
public sealed class OrderPlacedHandler(PipelineProbe probe) : IEventHandler<OrderPlaced>
{
    /// <inheritdoc />
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        probe.Attempts.Enqueue((context.ConsumerGroup, context.Event.OrderId, probe.Clock.Elapsed));
        if (probe.Failing.ContainsKey(context.ConsumerGroup))
        {
            throw new TimeoutException($"card processor timed out for {context.Event.OrderId}");
        }

        probe.RecordHandled(context.ConsumerGroup, context.Event.OrderId);
        return Task.CompletedTask;
    }
}

/// <summary>What the pipeline did, observed from the handler and the event observer.</summary>
public sealed class PipelineProbe : IEventObserver
{
    private TaskCompletionSource _handled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the clock of the attempts' times.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Gets the groups whose handler fails.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    /// <summary>Gets every call of the handler, failed or not, in order.</summary>
    public ConcurrentQueue<(string Group, string OrderId, TimeSpan At)> Attempts { get; } = new();

    /// <summary>Gets the calls that succeeded, in order.</summary>
    public ConcurrentQueue<(string Group, string OrderId)> Handled { get; } = new();

    /// <summary>Gets the first dead letter written.</summary>
    public TaskCompletionSource<DeadLetter> DeadLettered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public void OnDeadLettered(DeadLetter letter) => DeadLettered.TrySetResult(letter);

    /// <summary>Records a successful call and wakes <see cref="WaitUntilHandledAsync"/>.</summary>
    public void RecordHandled(string group, string orderId)
    {
        Handled.Enqueue((group, orderId));
        Interlocked.Exchange(ref _handled, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking it again after each successful call; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilHandledAsync(Func<bool> condition, TimeSpan timeout)
    {
        var testEnded = TestContext.Current.CancellationToken;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(testEnded);
        timeoutSource.CancelAfter(timeout);
        while (true)
        {
            // Taken before the check, so a call between the two completes the task this waits on.
            var next = Volatile.Read(ref _handled);
            if (condition())
            {
                return;
            }

            try
            {
                await next.Task.WaitAsync(timeoutSource.Token);
            }
            catch (OperationCanceledException) when (!testEnded.IsCancellationRequested)
            {
                Assert.Fail($"Not handled within {timeout}; handled: {string.Join(", ", Handled)}.");
            }
        }
    }
}
