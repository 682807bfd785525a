using System.ComponentModel;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace AgentBus.SemanticKernel;

internal sealed partial class AgentBusPlugin
{
    [KernelFunction("list_agents")]
    [Description("Lists the other agents on the agent bus that are running now, to find one to ask or send to.")]
    [return: Description("A JSON array of the running agents (id, replicas = running copies, backlog = messages waiting in its inbox), a text saying none runs, " +
        "or a text starting with 'ERROR [code]' that says what went wrong and what to do next.")]
    public async Task<string> ListAgentsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<AgentPresence> agents;
        try
        {
            agents = await Agent.Bus.ListAgentsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            string known = _options.AllowedAgents is { Count: > 0 } allowed ? $"the agents you may address are: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}" : "ask the agents you know by id";
            return ToolError.Format(ToolError.Unsupported, "This agent bus cannot list its agents.", $"{known}; ask_agent says when one is not running.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ToolError.From(ex, "(listing)") is { } error)
        {
            return error;
        }

        var listed = agents
            .Where(a => !string.Equals(a.AgentId, Agent.Id, StringComparison.Ordinal) && (_options.AllowedAgents?.Contains(a.AgentId) ?? true))
            .Select(a => new ListedAgent(a.AgentId, a.Replicas, a.Backlog))
            .ToArray();
        return listed.Length == 0
            ? "No other agent is running on the agent bus right now. send_to_agent still leaves a message for an agent that starts later."
            : JsonSerializer.Serialize(listed, PluginJsonContext.Default.ListedAgentArray);
    }
}
