namespace AgentBus.TestUtilities;

/// <summary>How a <see cref="FaultProxy"/> ends a connection it cuts.</summary>
public enum CutMode
{
    /// <summary>An abortive close: both peers get a TCP reset (RST), as when a host or a middlebox drops the connection.</summary>
    Reset,

    /// <summary>An orderly close: both peers get end-of-stream (FIN), as when a peer shuts down cleanly.</summary>
    Close,
}
