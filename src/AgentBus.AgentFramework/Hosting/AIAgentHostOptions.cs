using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

/// <summary>Settings of an <see cref="AIAgent"/> hosted on the bus.</summary>
public sealed class AIAgentHostOptions
{
    /// <summary>
    /// Where the agent's sessions are kept between runs (and across restarts), by bus session id. Null keeps them on
    /// the bus itself (<see cref="BusAgentSessionStore"/>: the serialised session is posted after each run to a
    /// session of its own, AgentBus broker only). Any Agent Framework <see cref="AgentSessionStore"/> fits.
    /// </summary>
    public AgentSessionStore? SessionStore { get; set; }

    /// <summary>
    /// Whether a tool-approval request of a run is also posted to the run's bus session as a durable message, so a
    /// gateway that restarted finds it (<see cref="BusAIAgent.GetPendingApprovalsAsync"/>). On by default.
    /// </summary>
    public bool PublishApprovalRequests { get; set; } = true;
}
