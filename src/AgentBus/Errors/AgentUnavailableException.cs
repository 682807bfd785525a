namespace AgentBus;

/// <summary>
/// No replica of the agent is running, and the call asked to fail fast rather than wait in the agent's inbox
/// (<see cref="RequestOptions.RequireLiveAgent"/>). Nothing was stored.
/// </summary>
public sealed class AgentUnavailableException : AgentBusException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="agentId">The agent asked.</param>
    /// <param name="innerException">The broker's refusal.</param>
    public AgentUnavailableException(string agentId, Exception innerException)
        : base($"No replica of agent '{agentId}' is running.", innerException)
    {
        AgentId = agentId;
    }

    /// <summary>The agent asked.</summary>
    public string AgentId { get; }
}
