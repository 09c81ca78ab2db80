using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests;

/// <summary>A logger (and a factory whose every logger is this one) that keeps each message with its level.</summary>
internal sealed class CapturingLogger : ILogger, ILoggerFactory
{
    private readonly List<(LogLevel Level, string Text)> _messages = [];

    public List<(LogLevel Level, string Text)> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_messages)
        {
            _messages.Add((logLevel, formatter(state, exception)));
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
