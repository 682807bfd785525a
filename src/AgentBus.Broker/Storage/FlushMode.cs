namespace AgentBus.Broker.Storage;

/// <summary>When an appended record counts as durable.</summary>
public enum FlushMode
{
    /// <summary>
    /// The log is fsynced in the background every <see cref="BrokerOptions.FlushInterval"/>; a send is acknowledged
    /// once its record is in the log, so an acknowledged record may be lost on power failure.
    /// </summary>
    Async,

    /// <summary>
    /// A send is acknowledged only after an fsync that covers its record. Concurrent sends share one fsync (group
    /// commit).
    /// </summary>
    Sync,
}
