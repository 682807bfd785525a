namespace AgentBus.Broker.Storage;

/// <summary>When an appended record counts as durable.</summary>
public enum FlushMode
{
    /// <summary>
    /// The log is fsynced in the background every <see cref="CommitLogOptions.FlushInterval"/>;
    /// <see cref="CommitLog.WaitDurableAsync"/> completes at once, so an acknowledged record may be lost on power failure.
    /// </summary>
    Async,

    /// <summary>
    /// <see cref="CommitLog.WaitDurableAsync"/> completes only after an fsync that covers the record. Concurrent
    /// waiters share one fsync (group commit).
    /// </summary>
    Sync,
}
