using Microsoft.Extensions.Logging;

namespace AgentBus.Diagnostics;

/// <summary>The bus's log messages (source-generated). A client's bad input logs Warning at most, never Error.</summary>
internal static partial class AgentBusLog
{
    [LoggerMessage(1, LogLevel.Information, "Agent bus instance {InstanceId} connected to {Endpoints} (parent topic {ParentTopic})")]
    public static partial void Connected(ILogger logger, string instanceId, string endpoints, string parentTopic);

    [LoggerMessage(2, LogLevel.Warning, "Agent {AgentId}: message {BrokerMessageId} on {LiteTopic} is not a valid bus message ({Problem}); sent to the dead-letter queue")]
    public static partial void NotABusMessage(ILogger logger, string agentId, string brokerMessageId, string liteTopic, string problem);

    [LoggerMessage(3, LogLevel.Warning, "Agent {AgentId}: {Envelope} has an unreadable body ({Problem}); sent to the dead-letter queue")]
    public static partial void PoisonMessage(ILogger logger, string agentId, string envelope, string problem);

    [LoggerMessage(4, LogLevel.Information, "Agent {AgentId}: {Envelope} expired at {Deadline:o} before its handler started; not handled")]
    public static partial void Expired(ILogger logger, string agentId, string envelope, DateTimeOffset deadline);

    [LoggerMessage(5, LogLevel.Warning, "Agent {AgentId}: handler failed on {Envelope}")]
    public static partial void HandlerFailed(ILogger logger, string agentId, string envelope, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Reply to request {RequestId} arrived with no caller waiting; kept on lite topic {LiteTopic} for AttachAsync")]
    public static partial void ReplyParked(ILogger logger, string requestId, string liteTopic);

    [LoggerMessage(7, LogLevel.Debug, "Reply {MessageId} to request {RequestId} was already delivered or claimed; dropped as a duplicate")]
    public static partial void DuplicateReply(ILogger logger, string messageId, string requestId);

    [LoggerMessage(8, LogLevel.Warning, "Reply to request {RequestId} could not be kept for re-attach ({Problem}); it will be redelivered")]
    public static partial void ParkFailed(ILogger logger, string requestId, string problem);

    [LoggerMessage(9, LogLevel.Warning, "Agent {AgentId}: the reply to request {RequestId} could not be sent ({Problem})")]
    public static partial void ReplyFailed(ILogger logger, string agentId, string requestId, string problem);

    [LoggerMessage(10, LogLevel.Information, "Session {SessionId} was taken over by another owner")]
    public static partial void SessionTakenOver(ILogger logger, string sessionId);

    [LoggerMessage(11, LogLevel.Warning, "Message {BrokerMessageId} on reply topic {LiteTopic} is not a bus reply ({Problem}); dropped")]
    public static partial void NotAReply(ILogger logger, string brokerMessageId, string liteTopic, string problem);

    [LoggerMessage(12, LogLevel.Debug, "Could not unsubscribe lite topic {LiteTopic}: {Problem}")]
    public static partial void UnsubscribeFailed(ILogger logger, string liteTopic, string problem);

    [LoggerMessage(13, LogLevel.Debug, "Session {SessionId}: the message at offset {Offset} is not a bus message ({Problem}); left out of the history read")]
    public static partial void HistorySkipped(ILogger logger, string sessionId, long offset, string problem);

    [LoggerMessage(14, LogLevel.Information, "The stream of request {RequestId} is now read by another instance")]
    public static partial void StreamTakenOver(ILogger logger, string requestId);
}
