using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.Tests.Support;

/// <summary>A logger provider for a host that keeps every entry (category, event id, message) for the test to inspect.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, EventId Id, string Message)> _entries = new();

    public IReadOnlyList<(string Category, EventId Id, string Message)> Entries => [.. _entries];

    /// <summary>Entries with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<string> Messages(int id) => [.. _entries.Where(e => e.Id.Id == id).Select(e => e.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, EventId, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, eventId, formatter(state, exception)));
    }
}
