using Herald.Diagnostics;
using Herald.Events;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class HandlingLogScopeTests
{
    [Fact]
    public void Scope_Enumerated_HasEventIdCorrelationIdEventTypeAndGroup()
    {
        var envelope = new EventEnvelope { EventId = "e-1", EventType = "diag.scoped", Timestamp = DateTimeOffset.UnixEpoch, Source = "tests", CorrelationId = "c-1" };

        var scope = new HandlingLogScope(envelope, "billing");

        Assert.Equal(
            [new("EventId", "e-1"), new("CorrelationId", "c-1"), new("EventType", "diag.scoped"), new KeyValuePair<string, object?>("ConsumerGroup", "billing")],
            scope.ToList());
        Assert.Equal("EventId:e-1 CorrelationId:c-1 EventType:diag.scoped ConsumerGroup:billing", scope.ToString());
    }

    [Fact]
    public async Task Handling_LoggingEnabled_HandlerRunsInsideTheScope()
    {
        var provider = new ScopeRecordingProvider();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<IgnoreHandler<Scoped>>("scoped-group"),
            s => s.AddLogging(b => b.AddProvider(provider)));

        var envelope = await harness.PublishAsync(new Scoped(1));
        await harness.ProcessPendingAsync();

        var scope = Assert.Single(provider.Scopes.OfType<IReadOnlyList<KeyValuePair<string, object?>>>(), s => s.Any(p => p.Key == "ConsumerGroup" && Equals(p.Value, "scoped-group")));
        Assert.Contains(new KeyValuePair<string, object?>("EventId", envelope.EventId), scope);
        Assert.Contains(new KeyValuePair<string, object?>("CorrelationId", envelope.CorrelationId), scope);
        Assert.Contains(new KeyValuePair<string, object?>("EventType", "diag.scoped"), scope);
    }

    private sealed class ScopeRecordingProvider : ILoggerProvider, ILogger
    {
        public List<object> Scopes { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lock (Scopes)
            {
                Scopes.Add(state);
            }

            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }
}
