using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pccl.Tests.Support;

/// <summary>
/// A logger, and a logger factory whose loggers all write here, that keeps every line it is given, for tests that
/// inspect what was logged.
/// </summary>
internal sealed class CapturedLog : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message, DateTime At)> _entries = new();

    /// <summary>Every entry in the order it was logged.</summary>
    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => [.. _entries.Select(e => (e.Level, e.Id, e.Message))];

    /// <summary>Every line with the UTC time it was logged at, for a failed test to show how its processes got there.</summary>
    public IEnumerable<string> TimedLines => _entries.Select(e => $"{e.At:HH:mm:ss.fff} {e.Level}: {e.Message}");

    /// <summary>Every line, formatted as a log file would hold it ("Level: message").</summary>
    public IReadOnlyCollection<string> Lines => [.. _entries.Select(e => $"{e.Level}: {e.Message}")];

    /// <summary>The formatted messages of warnings and errors, without the level.</summary>
    public IReadOnlyCollection<string> Warnings => [.. _entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message)];

    /// <summary>Characters written so far, newlines included.</summary>
    public long Size => Lines.Sum(l => (long)l.Length + 1);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId, formatter(state, exception), DateTime.UtcNow));
}
