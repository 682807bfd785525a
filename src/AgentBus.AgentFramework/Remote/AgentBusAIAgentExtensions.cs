using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

/// <summary>Agent Framework views of bus agents.</summary>
public static class AgentBusAIAgentExtensions
{
    /// <summary>
    /// The bus agent <paramref name="peer"/> as an <see cref="AIAgent"/> that <paramref name="caller"/> runs: use it
    /// as any local agent (runs, streaming, sessions, workflows, <c>AsAIFunction()</c>).
    /// </summary>
    /// <param name="caller">The bus agent that sends the runs (replies come back to its instance).</param>
    /// <param name="peer">The bus agent id serving the runs (hosted with <c>HostAIAgentAsync</c>).</param>
    /// <param name="options">Name, description, timeout.</param>
    /// <returns>The agent.</returns>
    public static BusAIAgent AsAIAgent(this Agent caller, string peer, BusAIAgentOptions? options = null) => new(caller, peer, options);
}
