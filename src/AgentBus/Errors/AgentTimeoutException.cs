namespace AgentBus;

/// <summary>No reply came within the request's timeout. The request keeps its id: its reply can still be awaited with <c>AttachAsync</c>.</summary>
public sealed class AgentTimeoutException : AgentBusException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="agentId">The agent asked.</param>
    /// <param name="requestId">The request.</param>
    /// <param name="timeout">How long the caller waited.</param>
    public AgentTimeoutException(string agentId, string requestId, TimeSpan timeout)
        : base($"Agent '{agentId}' did not answer request {requestId} within {timeout.TotalMilliseconds:0} ms.")
    {
        AgentId = agentId;
        RequestId = requestId;
        Timeout = timeout;
    }

    /// <summary>The agent asked.</summary>
    public string AgentId { get; }

    /// <summary>The request.</summary>
    public string RequestId { get; }

    /// <summary>How long the caller waited.</summary>
    public TimeSpan Timeout { get; }
}
