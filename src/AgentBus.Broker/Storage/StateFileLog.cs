using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Storage;

/// <summary>What recovery says about the broker's state files and the log they describe: each line names the file,
/// what the broker does about it, and what that costs.</summary>
internal static partial class StateFileLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Consumer offsets file {Path} is unusable ({Problems}); restored the offsets from {Copy} written at {WrittenAt}: groups may receive messages again that they acknowledged after that time (redelivery; no unread message is skipped)")]
    public static partial void OffsetsFellBack(ILogger logger, string path, string problems, string? copy, string writtenAt);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error,
        Message = "Consumer offsets file {Path} has no intact copy ({Problems}); starting without committed offsets: every group receives the retained messages of its queues again from the oldest (redelivery; no unread message is skipped)")]
    public static partial void OffsetsLost(ILogger logger, string path, string problems);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Consumer offsets file {Path} is missing although the commit log holds messages (a crash before the first offset checkpoint, or the file was removed); groups receive the retained messages of their queues from the oldest (redelivery; no unread message is skipped)")]
    public static partial void OffsetsMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information,
        Message = "{Path} was in the format without a checksum; read it and rewrote it with a state file header (format version {Version})")]
    public static partial void LegacyRewritten(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning,
        Message = "Topic and group definitions file {Path} is unusable ({Problems}); using {Copy} written at {WrittenAt}: definitions created or changed after that time are missing (AutoCreate or the configured declarations re-create them, with default settings)")]
    public static partial void MetadataFellBack(ILogger logger, string path, string problems, string? copy, string writtenAt);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Topic and group definitions file {Path} is missing although the commit log holds messages; starting without definitions: AutoCreate or the configured declarations re-create topics and groups, with default settings")]
    public static partial void MetadataMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void StartRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning,
        Message = "Index checkpoint {Path} is unusable ({Problems}); using {Copy} written at {WrittenAt}: more of the commit log is scanned at this start")]
    public static partial void IndexFellBack(ILogger logger, string path, string problems, string? copy, string writtenAt);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning,
        Message = "Index checkpoint {Path} is unusable ({Problems}); rebuilding the indexes from the whole commit log (a slower start, nothing lost)")]
    public static partial void IndexUnusable(ILogger logger, string path, string problems);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error,
        Message = "Commit log lost fsynced data: {Bytes} bytes from position {From} to {To} are missing ({Messages} acknowledged messages in {Queues} queues per the index checkpoint; {Offsets} committed offsets point past the end of the log); segment files were deleted, truncated or damaged outside the broker. {Action}")]
    public static partial void LogDataLost(ILogger logger, long bytes, long from, long to, string messages, string queues, int offsets, string action);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning,
        Message = "{Count} committed offsets pointed past the end of their queue: {Messages} acknowledged messages are no longer in the log (its unflushed tail was lost, e.g. a power failure in Async flush mode); those offsets were lowered to the queue end, so new messages are delivered from there")]
    public static partial void OffsetsBeyondLog(ILogger logger, int count, long messages);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning,
        Message = "Deduplication window {Path} is unusable ({Problems}); keys stored before the index checkpoint are forgotten: a re-send of one of those within the window is stored again")]
    public static partial void DeduplicationUnusable(ILogger logger, string path, string problems);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning,
        Message = "Deduplication window {Path} is unusable ({Problems}); using {Copy} written at {WrittenAt}, and the keys of the log written since")]
    public static partial void DeduplicationFellBack(ILogger logger, string path, string problems, string? copy, string writtenAt);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Warning,
        Message = "Definitions journal {Path} ends in {Problem}; replayed the {Changes} intact changes before it and dropped the {Dropped} bytes from there on (a crash mid-append leaves a torn tail: that change was never acknowledged)")]
    public static partial void MetadataJournalTailDropped(ILogger logger, string path, string problem, int changes, long dropped);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Warning,
        Message = "Offsets journal {Path} ends in {Problem}; replayed the {Entries} intact entries before it and dropped the {Dropped} bytes from there on: the offsets in them are restored from earlier entries or the snapshot, so groups may receive messages again that they acknowledged (redelivery; no unread message is skipped)")]
    public static partial void OffsetsJournalTailDropped(ILogger logger, string path, string problem, int entries, long dropped);
}
