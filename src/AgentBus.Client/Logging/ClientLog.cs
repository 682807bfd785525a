using Microsoft.Extensions.Logging;

namespace AgentBus.Client.Logging;

/// <summary>Source-generated log messages of the client.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Information, "Client {ClientId} ({ClientType}) started against {Endpoints}")]
    public static partial void ClientStarted(ILogger logger, string clientId, string clientType, string endpoints);

    [LoggerMessage(2, LogLevel.Information, "Client {ClientId} stopped")]
    public static partial void ClientStopped(ILogger logger, string clientId);

    [LoggerMessage(3, LogLevel.Debug, "Client {ClientId}: Telemetry stream #{Stream} to {Endpoint} has the broker's settings")]
    public static partial void TelemetryConnected(ILogger logger, string clientId, string endpoint, long stream);

    [LoggerMessage(4, LogLevel.Warning, "Client {ClientId}: Telemetry stream to {Endpoint} broke ({Reason}); reconnecting")]
    public static partial void TelemetryBroken(ILogger logger, string clientId, string endpoint, string reason);

    [LoggerMessage(5, LogLevel.Debug, "Client {ClientId}: ignored Telemetry command {Command}")]
    public static partial void TelemetryCommandIgnored(ILogger logger, string clientId, string command);

    [LoggerMessage(6, LogLevel.Warning, "Client {ClientId}: heartbeat failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, string clientId, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Client {ClientId}: route refresh of {Topic} failed: {Reason}")]
    public static partial void RouteRefreshFailed(ILogger logger, string clientId, string topic, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Client {ClientId}: NotifyClientTermination failed: {Reason}")]
    public static partial void TerminationFailed(ILogger logger, string clientId, string reason);

    [LoggerMessage(9, LogLevel.Error, "Client {ClientId}: background work failed")]
    public static partial void BackgroundFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Client {ClientId}: send to {Topic} failed (attempt {Attempt} of {MaxAttempts}), retrying in {DelayMs} ms: {Reason}")]
    public static partial void SendRetry(ILogger logger, string clientId, string topic, int attempt, int maxAttempts, double delayMs, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Client {ClientId}: receive from {Topic} failed, retrying in {DelayMs} ms: {Reason}")]
    public static partial void ReceiveFailed(ILogger logger, string clientId, string topic, double delayMs, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Client {ClientId}: the listener threw on message {MessageId}; counted as a failure")]
    public static partial void ListenerFailed(ILogger logger, string clientId, string messageId, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Client {ClientId}: {Action} of message {MessageId} failed: {Reason}")]
    public static partial void SettleFailed(ILogger logger, string clientId, string action, string messageId, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Client {ClientId}: subscribed lite topic {LiteTopic}")]
    public static partial void LiteSubscribed(ILogger logger, string clientId, string liteTopic);

    [LoggerMessage(15, LogLevel.Debug, "Client {ClientId}: unsubscribed lite topic {LiteTopic}")]
    public static partial void LiteUnsubscribed(ILogger logger, string clientId, string liteTopic);

    [LoggerMessage(16, LogLevel.Warning, "Client {ClientId}: lite subscription sync ({Action}) failed: {Reason}")]
    public static partial void LiteSyncFailed(ILogger logger, string clientId, string action, string reason);

    [LoggerMessage(17, LogLevel.Information, "Client {ClientId}: the broker removed lite subscription {LiteTopic}")]
    public static partial void LiteUnsubscribedByBroker(ILogger logger, string clientId, string liteTopic);

    [LoggerMessage(18, LogLevel.Error, "Client {ClientId}: message {MessageId} failed its body digest check; not consumed")]
    public static partial void CorruptedMessage(ILogger logger, string clientId, string messageId);

    [LoggerMessage(19, LogLevel.Warning, "Client {ClientId}: message {MessageId} failed {Attempts} times; forwarded to the dead-letter queue")]
    public static partial void DeadLettered(ILogger logger, string clientId, string messageId, int attempts);

    [LoggerMessage(20, LogLevel.Warning, "Client {ClientId}: closing while {Pending} messages were still being consumed")]
    public static partial void CloseTimedOut(ILogger logger, string clientId, int pending);

    [LoggerMessage(22, LogLevel.Warning, "Client {ClientId}: message {MessageId} was delivered with a part that does not decode ({Problem}); handed over with the rest")]
    public static partial void UndecodableField(ILogger logger, string clientId, string messageId, string problem);

    [LoggerMessage(21, LogLevel.Debug, "Client {ClientId}: after reconnecting, re-sent {Count} lite subscriptions")]
    public static partial void LiteResynced(ILogger logger, string clientId, int count);
}
