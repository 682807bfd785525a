namespace AgentBus.Broker.Storage;

/// <summary>
/// Recovery found less valid log than its checkpoint says was fsynced, and <see cref="CommitLogOptions.ContinueAfterDataLoss"/>
/// is off: the log was not opened and nothing was changed. The engine turns it into one clear refusal.
/// </summary>
internal sealed class CommitLogDataLossException(string directory, long dataEnd, long checkpointPosition, RecoveryStopReason reason)
    : Exception($"The commit log in '{directory}' ends at position {dataEnd} ({reason}), but its checkpoint records fsynced data up to {checkpointPosition}.")
{
    public string Directory { get; } = directory;

    /// <summary>Where the valid records end.</summary>
    public long DataEnd { get; } = dataEnd;

    /// <summary>What the checkpoint recorded as fsynced.</summary>
    public long CheckpointPosition { get; } = checkpointPosition;

    public long LostBytes => CheckpointPosition - DataEnd;

    public RecoveryStopReason Reason { get; } = reason;
}
