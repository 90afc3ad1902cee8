using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pccl.Tests.Security.Support;

/// <summary>A logger factory that keeps every line it is given, for tests that inspect what was logged.</summary>
internal sealed class CapturedLog : ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    /// <summary>Every line, formatted as a log file would hold it ("Level: message").</summary>
    public IReadOnlyCollection<string> Lines => [.. _entries.Select(e => $"{e.Level}: {e.Message}")];

    /// <summary>The formatted messages of warnings and errors, without the level.</summary>
    public IReadOnlyCollection<string> Warnings => [.. _entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message)];

    /// <summary>Characters written so far, newlines included.</summary>
    public long Size => Lines.Sum(l => (long)l.Length + 1);

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
            log._entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
