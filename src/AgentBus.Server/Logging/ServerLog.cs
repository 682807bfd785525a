namespace AgentBus.Server;

/// <summary>Source-generated log messages of the server (hot paths log through these).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Broker engine open: data directory {DataDirectory}, {TopicCount} topics, {GroupCount} groups")]
    public static partial void EngineOpened(ILogger logger, string dataDirectory, int topicCount, int groupCount);

    [LoggerMessage(2, LogLevel.Information, "Broker engine closed: log flushed, offsets checkpointed")]
    public static partial void EngineClosed(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "AgentBus broker listening on {Endpoint} (gRPC, HTTP/2 {Transport}, authentication {Authentication})")]
    public static partial void Listening(ILogger logger, string endpoint, string transport, string authentication);

    [LoggerMessage(10, LogLevel.Debug, "{Rpc} from client {ClientId} refused: {Code} {Reason}")]
    public static partial void Refused(ILogger logger, string rpc, string? clientId, Apache.Rocketmq.V2.Code code, string reason);

    [LoggerMessage(11, LogLevel.Error, "{Rpc} from client {ClientId} failed unexpectedly (request {RequestId})")]
    public static partial void Failed(ILogger logger, Exception exception, string rpc, string? clientId, string requestId);

    [LoggerMessage(12, LogLevel.Debug, "{Rpc} of client {ClientId} ended: the client went away")]
    public static partial void ClientGone(ILogger logger, string rpc, string? clientId);

    [LoggerMessage(14, LogLevel.Information, "Continuous receive of client {ClientId} ended early: {Reason}")]
    public static partial void ContinuousReceiveEnded(ILogger logger, string? clientId, string reason);

    [LoggerMessage(13, LogLevel.Information, "{Rpc} from client {ClientId} refused as unauthorized (access key {AccessKey}): {Reason}")]
    public static partial void Unauthenticated(ILogger logger, string rpc, string? clientId, string? accessKey, string reason);

    [LoggerMessage(16, LogLevel.Information, "{Rpc} from client {ClientId} refused as forbidden (access key {AccessKey}): {Reason}")]
    public static partial void Forbidden(ILogger logger, string rpc, string? clientId, string accessKey, string reason);

    [LoggerMessage(17, LogLevel.Information, "Server:Auth reloaded: {UserCount} users (policy {Generation})")]
    public static partial void AuthReloaded(ILogger logger, int userCount, long generation);

    [LoggerMessage(18, LogLevel.Warning, "Server:Auth changed but was not taken in; the previous users and permissions stay: {Reason}")]
    public static partial void AuthReloadRefused(ILogger logger, string reason);

    [LoggerMessage(15, LogLevel.Debug, "Admin call {Rpc} from client {ClientId} refused: {StatusCode} {Reason}")]
    public static partial void AdminRefused(ILogger logger, string rpc, string? clientId, Grpc.Core.StatusCode statusCode, string reason);

    [LoggerMessage(20, LogLevel.Information, "Telemetry stream of client {ClientId} opened ({ClientType})")]
    public static partial void TelemetryOpened(ILogger logger, string clientId, Apache.Rocketmq.V2.ClientType clientType);

    [LoggerMessage(21, LogLevel.Information, "Telemetry stream of client {ClientId} closed")]
    public static partial void TelemetryClosed(ILogger logger, string clientId);

    [LoggerMessage(22, LogLevel.Warning, "Telemetry queue of client {ClientId} is full; command {Command} dropped")]
    public static partial void TelemetryDropped(ILogger logger, string clientId, string command);

    [LoggerMessage(23, LogLevel.Information, "Client {ClientId} lost lite topic {LiteTopic} of {Topic} to another subscriber (exclusive mode); told over Telemetry: {Told}")]
    public static partial void LiteEvicted(ILogger logger, string clientId, string topic, string liteTopic, bool told);

    [LoggerMessage(24, LogLevel.Debug, "Telemetry command {Command} from client {ClientId} ignored")]
    public static partial void TelemetryIgnored(ILogger logger, string clientId, string command);

    [LoggerMessage(30, LogLevel.Information, "Client {ClientId} terminated")]
    public static partial void ClientTerminated(ILogger logger, string clientId);


    [LoggerMessage(34, LogLevel.Information, "SyncLiteSubscription of client {ClientId} in group {Group}: its offset option left the group's position on {Count} lite topics, which other members subscribe (Broker:LiteSubscribeOffset is WhenAlone)")]
    public static partial void OffsetsKept(ILogger logger, string clientId, string group, int count);
}
