namespace AgentBus.Server.Http;

/// <summary>Log messages of the operations listener.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(40, LogLevel.Information, "AgentBus operations endpoint on {Address} (HTTP/1.1: /healthz/live, /healthz/ready, /metrics{Dashboard})")]
    public static partial void Listening(ILogger logger, string address, string dashboard);

    [LoggerMessage(41, LogLevel.Debug, "Dashboard request from {Remote} refused: {Reason}")]
    public static partial void DashboardRefused(ILogger logger, string? remote, string reason);
}
