namespace AgentBus;

/// <summary>The remote agent's handler failed: its error travelled back instead of a reply.</summary>
public sealed class RemoteAgentException : AgentBusException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="agentId">The agent that failed.</param>
    /// <param name="requestId">The request that failed.</param>
    /// <param name="errorType">The kind of failure (the remote exception's type name).</param>
    /// <param name="remoteMessage">The remote error message.</param>
    public RemoteAgentException(string agentId, string requestId, string errorType, string remoteMessage)
        : base($"Agent '{agentId}' failed request {requestId}: {errorType}: {remoteMessage}")
    {
        AgentId = agentId;
        RequestId = requestId;
        ErrorType = errorType;
        RemoteMessage = remoteMessage;
    }

    /// <summary>The agent that failed.</summary>
    public string AgentId { get; }

    /// <summary>The request that failed.</summary>
    public string RequestId { get; }

    /// <summary>The kind of failure: the remote exception's type name, or a bus error such as <c>InvalidMessage</c>.</summary>
    public string ErrorType { get; }

    /// <summary>The remote error message.</summary>
    public string RemoteMessage { get; }
}
