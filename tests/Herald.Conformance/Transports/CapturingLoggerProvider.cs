using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Transports;

/// <summary>Keeps every log entry at <see cref="LogLevel.Warning"/> or above, so a test can assert what the pipeline reported.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    /// <summary>Gets the entries, in the order they were logged.</summary>
    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Entries.Enqueue((logLevel, eventId, category, formatter(state, exception), exception));
            }
        }
    }
}
