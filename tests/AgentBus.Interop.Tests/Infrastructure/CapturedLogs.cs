using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>One line the broker logged.</summary>
internal sealed record LogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{At:HH:mm:ss.fff} {Level} {Category}: {Message}{(Exception is null ? "" : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}

/// <summary>Keeps what the broker logs, so a failing scenario can show the server's side of the story.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private const int Kept = 400;
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    /// <summary>Entries at Error or above: a broker that logs these while serving a scenario has a bug.</summary>
    public IReadOnlyList<LogEntry> Errors => _entries.Where(entry => entry.Level >= LogLevel.Error).ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        while (_entries.Count > Kept && _entries.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
