using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Storage;

/// <summary>Log messages of the commit log (its opening, flushes, segments); the state files have <see cref="StateFileLog"/>.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Commit log opened in {Directory}: {Segments} segments, positions {MinPosition}..{WritePosition}; validated {Records} records from position {ValidatedFrom}")]
    public static partial void Opened(ILogger logger, string directory, int segments, long minPosition, long writePosition, long records, long validatedFrom);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Commit log recovery truncated the log at position {Position} ({Reason}): dropped {Bytes} bytes and {Segments} later segments")]
    public static partial void Truncated(ILogger logger, long position, RecoveryStopReason reason, long bytes, int segments);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Segment file {Path} was {Length} bytes instead of {SegmentSize}; its missing tail reads as zeros")]
    public static partial void ShortSegment(ILogger logger, string path, long length, int segmentSize);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "Segment file {Path} does not follow the previous segment without a gap; it is dropped")]
    public static partial void SegmentGap(ILogger logger, string path);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error,
        Message = "Commit log record at position {Position} is corrupt ({Status}); it is not returned")]
    public static partial void CorruptRecord(ILogger logger, long position, FrameStatus status);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
        Message = "Scan skipped the rest of segment {SegmentBase} from position {Position}: {Status}")]
    public static partial void ScanSkipped(ILogger logger, long segmentBase, long position, FrameStatus status);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Critical,
        Message = "Commit log fsync failed; the log refuses further appends")]
    public static partial void FlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning,
        Message = "Could not prepare commit log segment {BasePosition} ahead of time; the roll will create it")]
    public static partial void PrepareFailed(ILogger logger, Exception exception, long basePosition);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error,
        Message = "The commit log segment preparer stopped; appends continue without prefaulting")]
    public static partial void PreparerStopped(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error,
        Message = "Commit log in {Directory} lost fsynced data: valid records end at position {DataEnd} ({Reason}) but the checkpoint records data up to {CheckpointPosition}; {Bytes} bytes of acknowledged messages are missing (a segment deleted, truncated or damaged outside the broker). Continuing as configured: the log is cut at {DataEnd}")]
    public static partial void DurableDataLost(ILogger logger, string directory, long dataEnd, long checkpointPosition, long bytes, RecoveryStopReason reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information,
        Message = "Deleted {Count} commit log segments ending at or below position {Position}")]
    public static partial void SegmentsDeleted(ILogger logger, int count, long position);
}
