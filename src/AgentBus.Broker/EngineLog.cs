using AgentBus.Broker.Queues;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

/// <summary>The engine's own log lines (the commit log and state files have theirs: <c>StorageLog</c>, <c>StateFileLog</c>).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "Recovered {LiteTopics} lite topics ({Source}, then {Records} records scanned) and {Offsets} committed offsets in {Elapsed}; log: {Recovery}")]
    public static partial void Recovered(ILogger logger, int liteTopics, string source, long records, int offsets, TimeSpan elapsed, object recovery);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning,
        Message = "{Count} records carried a queue offset that did not follow their queue and were not indexed")]
    public static partial void OffsetMismatches(ILogger logger, long count);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "Index checkpoint unreadable while counting lost messages")]
    public static partial void IndexCheckpointUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Retention deleted {Segments} commit-log segments; the log now starts at {Position}")]
    public static partial void RetentionDeleted(ILogger logger, int segments, long position);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Retention dropped {Count} unconsumed messages older than {Retention}")]
    public static partial void RetentionDropped(ILogger logger, long count, TimeSpan? retention);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "Reset group {Group} on lite topic {Topic}/{LiteTopic} from {Previous} to {Offset}")]
    public static partial void OffsetReset(ILogger logger, string group, string topic, string liteTopic, long? previous, long offset);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "Deleted lite topic {Topic}/{LiteTopic} ({Dropped} messages)")]
    public static partial void LiteTopicDeleted(ILogger logger, string topic, string liteTopic, long dropped);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "Replayed {Count} dead letters of group {Group}")]
    public static partial void DeadLettersReplayed(ILogger logger, int count, string group);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "Purged {Count} dead letters of group {Group}")]
    public static partial void DeadLettersPurged(ILogger logger, long count, string group);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Expired {Count} lite topics")]
    public static partial void LiteTopicsExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Error, Message = "Record at position {Position} is unreadable and cannot be dead-lettered")]
    public static partial void UnreadableDeadLetter(ILogger logger, long position);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Error, Message = "Record at position {Position} ({Queue} offset {Offset}) is unreadable; skipped")]
    public static partial void UnreadableRecordSkipped(ILogger logger, long position, ConsumeQueue queue, long offset);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Error, Message = "Background {Work} failed")]
    public static partial void BackgroundWorkFailed(ILogger logger, Exception exception, string work);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Error, Message = "Could not checkpoint consume offsets at shutdown")]
    public static partial void OffsetCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1215, Level = LogLevel.Error, Message = "Could not checkpoint queue indexes at shutdown; the next start scans the whole log")]
    public static partial void IndexCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1216, Level = LogLevel.Error, Message = "Could not fold the definitions journal into the full definitions file at shutdown; the next start replays the journal (nothing is lost)")]
    public static partial void MetadataCompactionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Error, Message = "Could not fold the definitions journal ({Bytes} bytes) into the full definitions file; the change is durable in the journal, and the next change tries again")]
    public static partial void MetadataCompactionDeferred(ILogger logger, long bytes, Exception exception);

    [LoggerMessage(EventId = 1218, Level = LogLevel.Debug, Message = "Auto-renewal of {Count} deliveries ran; {Dropped} dropped")]
    public static partial void Renewed(ILogger logger, int count, int dropped);

    [LoggerMessage(EventId = 1219, Level = LogLevel.Warning, Message = "Auto-renewal of a delivery of group {Group} failed")]
    public static partial void RenewFailed(ILogger logger, Exception exception, string group);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Information, Message = "Forgot {Count} silent clients")]
    public static partial void ClientsExpired(ILogger logger, int count);
}
