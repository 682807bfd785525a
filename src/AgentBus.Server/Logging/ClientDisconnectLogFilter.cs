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

    /// <summary>
    /// Whether an entry is a client's disconnect: an Information-level read failure of an open stream, or the Error
    /// grpc-dotnet logs for a call whose request was still arriving when the connection went (the transport aborted
    /// the read before the service ran; nothing of the broker failed).
    /// </summary>
    public static bool IsDisconnect(string category, LogLevel level, Exception? exception) =>
        category == Category && exception is IOException io &&
        (level == LogLevel.Information || (level == LogLevel.Error && IsTransportAbort(io)));

    private static bool IsTransportAbort(IOException exception) =>
        exception.InnerException is Microsoft.AspNetCore.Connections.ConnectionAbortedException
        || exception.Message is "The request stream was aborted." or "The client reset the request stream.";

    /// <summary>Whether <paramref name="factory"/> already demotes disconnects.</summary>
    public static bool IsWrapped(object? factory) => factory is Factory;

    /// <summary>As <see cref="Wrap"/>, disposing <paramref name="inner"/> with the wrapper (a factory the wrapper made).</summary>
    public static ILoggerFactory Own(ILoggerFactory inner) => new Factory(inner, owned: true);

    /// <summary>
    /// A logger factory that writes through <paramref name="inner"/>, with disconnect entries demoted to
    /// <see cref="LogLevel.Debug"/>: gone from the default log, still there for whoever turns Debug on.
    /// </summary>
    public static ILoggerFactory Wrap(ILoggerFactory inner) => new Factory(inner, owned: false);

    private sealed class Factory(ILoggerFactory inner, bool owned) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == Category ? new DemotingLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // A factory handed over stays its caller's to dispose.
        public void Dispose()
        {
            if (owned)
            {
                inner.Dispose();
            }
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
