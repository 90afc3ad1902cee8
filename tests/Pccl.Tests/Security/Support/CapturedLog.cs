using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pccl.Tests.Security.Support;

/// <summary>A logger factory that keeps every line, formatted as a log file would hold it, for tests that inspect what was logged.</summary>
internal sealed class CapturedLog : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Characters written so far, newlines included.</summary>
    public long Size => _lines.Sum(l => (long)l.Length + 1);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
