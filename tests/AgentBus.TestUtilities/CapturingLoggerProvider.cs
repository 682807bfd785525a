using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentBus.TestUtilities;

/// <summary>
/// Keeps every entry logged at <paramref name="minimumLevel"/> or above (warnings and errors by default), so a test
/// can look for an expected line or fail on an unexpected error.
/// </summary>
/// <param name="minimumLevel">The lowest level kept.</param>
public sealed class CapturingLoggerProvider(LogLevel minimumLevel = LogLevel.Warning) : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>What was logged, oldest first.</summary>
    public IReadOnlyCollection<LogEntry> Entries => _entries;

    /// <summary>The entries at <see cref="LogLevel.Error"/> or above.</summary>
    public IReadOnlyList<LogEntry> Errors => [.. _entries.Where(entry => entry.Level >= LogLevel.Error)];

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries, minimumLevel);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<LogEntry> entries, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
