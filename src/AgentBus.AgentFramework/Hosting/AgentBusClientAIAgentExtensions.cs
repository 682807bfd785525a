using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

/// <summary>Hosts Agent Framework agents on the bus.</summary>
public static class AgentBusClientAIAgentExtensions
{
    /// <summary>
    /// Serves <paramref name="agent"/> as the bus agent <paramref name="agentId"/>: a <see cref="BusAIAgent"/> (or any
    /// bus caller sending text) runs it from anywhere. A run in a bus session continues the agent session kept under
    /// that id (<see cref="AIAgentHostOptions.SessionStore"/>), also after this process restarts; a streamed run
    /// sends each update as it comes.
    /// </summary>
    /// <param name="bus">The bus.</param>
    /// <param name="agentId">The bus agent id to serve.</param>
    /// <param name="agent">The agent (a <c>ChatClientAgent</c>, a workflow as an agent, ...).</param>
    /// <param name="options">Session store, approvals.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The serving bus agent; dispose it to stop serving (running runs finish first).</returns>
    public static async Task<Agent> HostAIAgentAsync(this AgentBusClient bus, string agentId, AIAgent agent, AIAgentHostOptions? options = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentNullException.ThrowIfNull(agent);
        var handler = new AIAgentBusHandler(agentId, agent, options);
        return await bus.CreateAgentAsync(agentId, handler.HandleAsync, ct).ConfigureAwait(false);
    }
}
