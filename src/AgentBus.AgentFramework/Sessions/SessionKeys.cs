using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

/// <summary>How a hosted agent's sessions are keyed in an <see cref="AgentSessionStore"/>: the bus session id, partitioned by the bus agent id.</summary>
internal static class SessionKeys
{
    public const string AgentPartition = "agent";

    public static AgentSessionStoreKey For(string agentId, string sessionId) => new AgentSessionStoreKey(sessionId).WithPartition(AgentPartition, agentId);
}
