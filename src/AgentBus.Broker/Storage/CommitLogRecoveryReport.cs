using System.Globalization;

namespace AgentBus.Broker.Storage;

/// <summary>What opening the commit log did to bring it back to a consistent end (<see cref="BrokerEngine.Recovery"/>).</summary>
public sealed class CommitLogRecoveryReport
{
    internal CommitLogRecoveryReport()
    {
    }

    /// <summary>Whether a valid checkpoint was found; without one every segment is validated.</summary>
    public bool CheckpointFound { get; internal init; }

    /// <summary>Position where validation started: the base of the segment holding the checkpoint, at the latest the last segment's base.</summary>
    public long ValidatedFrom { get; internal init; }

    /// <summary>Number of segments whose records were validated.</summary>
    public int SegmentsValidated { get; internal init; }

    /// <summary>Number of complete records whose length, version byte, checksum and structure were checked.</summary>
    public long RecordsValidated { get; internal init; }

    /// <summary>Position where the valid log ends: the log's write position after opening. Everything after it was zeroed or deleted.</summary>
    public long TruncatedAt { get; internal init; }

    /// <summary>What was found at <see cref="TruncatedAt"/>.</summary>
    public RecoveryStopReason Reason { get; internal init; }

    /// <summary>Non-zero bytes discarded after <see cref="TruncatedAt"/>, in its segment and in dropped segments.</summary>
    public long BytesDropped { get; internal init; }

    /// <summary>Segment files deleted because they came after <see cref="TruncatedAt"/> or after a gap.</summary>
    public int SegmentsDropped { get; internal init; }

    /// <summary>Segment files found shorter than the segment size and extended with zeros.</summary>
    public int SegmentsExtended { get; internal init; }

    /// <summary>The position the checkpoint recorded as fsynced, when a valid checkpoint was found.</summary>
    public long? CheckpointPosition { get; internal init; }

    /// <summary>
    /// Bytes the checkpoint recorded as fsynced that recovery did not find as valid records (segments deleted, truncated
    /// or damaged outside the broker). Non-zero only when the broker was configured to continue after such a loss.
    /// </summary>
    public long DurableBytesLost { get; internal init; }

    /// <summary>True when recovery discarded anything.</summary>
    public bool Truncated => BytesDropped > 0 || SegmentsDropped > 0;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"validated {RecordsValidated} records in {SegmentsValidated} segments from {ValidatedFrom}; log ends at {TruncatedAt} ({Reason}); dropped {BytesDropped} bytes, {SegmentsDropped} segments; extended {SegmentsExtended} short segments; checkpoint {(CheckpointFound ? "found" : "missing")}");
}
