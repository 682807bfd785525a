using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

/// <summary>The bus as tools for a model: ask a peer, send to a peer, list the agents — plain Microsoft.Extensions.AI functions.</summary>
public static class AgentBusToolsExtensions
{
    /// <summary>
    /// Tools through which a model reaches other agents on the bus as <paramref name="agent"/>: <c>ask_agent</c>
    /// (a question, waits for the answer), <c>send_to_agent</c> (durable one-way) and <c>list_agents</c>. Give them
    /// to a <c>ChatClientAgent</c> or to <c>ChatOptions.Tools</c> with <c>UseFunctionInvocation()</c>. A failure
    /// (no such agent running, a timeout, the peer's error) comes back as the tool's result, in words a model can act on.
    /// </summary>
    /// <param name="agent">The bus agent the model speaks as.</param>
    /// <param name="options">Allowed peers, timeout, session.</param>
    /// <returns>The tools.</returns>
    public static IList<AITool> AsAITools(this Agent agent, AgentBusToolsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var tools = new BusTools(agent, options ?? new AgentBusToolsOptions());
        var list = new List<AITool>
        {
            AIFunctionFactory.Create(tools.AskAsync, BusTools.AskName,
                "Ask another agent on the agent bus a question, or give it a task, and wait for its answer. " +
                "Use it when another agent knows or does what is needed; list_agents tells which agents are running."),
            AIFunctionFactory.Create(tools.SendAsync, BusTools.SendName,
                "Send a one-way message to another agent on the agent bus (a note, a result, a task that needs no answer now). " +
                "It is stored until that agent reads it, even if it is offline now. Returns at once."),
        };
        if (options?.IncludeListAgents ?? true)
        {
            list.Add(AIFunctionFactory.Create(tools.ListAsync, BusTools.ListName,
                "List the agents running on the agent bus now, with how many replicas serve each and how many messages wait in its inbox."));
        }

        return list;
    }
}
