namespace AgentBus.TestUtilities;

/// <summary>Which way bytes travel through a <see cref="FaultProxy"/>.</summary>
public enum FaultDirection
{
    /// <summary>From the client that connected to the proxy towards the target (requests).</summary>
    ToTarget,

    /// <summary>From the target back to the client (responses, server streams).</summary>
    ToClient,
}
