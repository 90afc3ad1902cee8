using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pccl.Tests.Security.Support;

/// <summary>A logger factory that keeps every warning and error it is given, formatted.</summary>
internal sealed class CapturedLogs : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyCollection<string> Warnings => _warnings;

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _warnings.Enqueue(formatter(state, exception));
        }
    }

    public void Dispose()
    {
    }
}
