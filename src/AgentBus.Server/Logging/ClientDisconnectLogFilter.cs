namespace AgentBus.Server.Logging;

/// <summary>
/// Keeps a client's ordinary disconnect out of the broker's Information log. When a client closes its connection
/// while a stream is open (the Telemetry stream and long polls always are), grpc-dotnet logs "Error reading message"
/// at Information with the transport's exception ("The request stream was aborted" over "The HTTP/2 connection
/// faulted", or "The client reset the request stream") and its whole stack trace, once per stream. That is a client
/// going away, which the broker reports itself (the Telemetry stream closed, the client gone), not an error.
/// </summary>
internal static class ClientDisconnectLogFilter
{
    /// <summary>The category of grpc-dotnet's per-call log, where the disconnect entries come from.</summary>
    public const string Category = "Grpc.AspNetCore.Server.ServerCallHandler";

    /// <summary>Whether an entry is a client's disconnect reported as an Information-level exception.</summary>
    public static bool IsDisconnect(string category, LogLevel level, Exception? exception) =>
        level == LogLevel.Information && exception is IOException && category == Category;

    /// <summary>
    /// A logger factory that writes through <paramref name="inner"/>, with disconnect entries demoted to
    /// <see cref="LogLevel.Debug"/>: gone from the default log, still there for whoever turns Debug on.
    /// </summary>
    public static ILoggerFactory Wrap(ILoggerFactory inner) => new Factory(inner);

    private sealed class Factory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == Category ? new DemotingLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The caller owns the factory it handed over.
        public void Dispose()
        {
        }
    }

    private sealed class DemotingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsDisconnect(Category, logLevel, exception))
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
