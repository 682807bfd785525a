using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentBus.TestUtilities;

/// <summary>Writes log entries to a test's output, where the test runner shows them with the test's result.</summary>
/// <param name="output">The test's output.</param>
/// <param name="minimumLevel">The lowest level written.</param>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minimumLevel = LogLevel.Information) : ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new OutputLogger(output, categoryName, minimumLevel);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class OutputLogger(ITestOutputHelper output, string category, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                output.WriteLine(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception).ToString());
            }
            catch (InvalidOperationException)
            {
                // The test is over (xunit refuses output after it); a late line from a stopping broker is dropped.
            }
        }
    }
}
