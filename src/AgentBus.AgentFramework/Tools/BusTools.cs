using System.ComponentModel;
using System.Text.Json;

namespace AgentBus.AgentFramework;

/// <summary>What the bus tools do. Every failure a model can cause or work around is returned as text, never thrown.</summary>
internal sealed class BusTools(Agent agent, AgentBusToolsOptions options)
{
    public const string AskName = "ask_agent";
    public const string SendName = "send_to_agent";
    public const string ListName = "list_agents";

    public async Task<string> AskAsync(
        [Description("The id of the agent to ask, e.g. \"writer\".")] string agentId,
        [Description("The question or task, in plain words.")] string message,
        CancellationToken cancellationToken)
    {
        if (Refusal(agentId, message) is { } refusal)
        {
            return refusal;
        }

        try
        {
            var answer = await agent.RequestAsync<string, JsonElement>(agentId, message,
                new RequestOptions { Timeout = options.Timeout, SessionId = options.SessionId, RequireLiveAgent = true }, cancellationToken).ConfigureAwait(false);
            return answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText();
        }
        catch (AgentUnavailableException)
        {
            return $"Agent '{agentId}' is not running now, so it cannot answer. Call {ListName} to see which agents are running, or {SendName} to leave it a message.";
        }
        catch (AgentTimeoutException ex)
        {
            return $"Agent '{agentId}' did not answer within {ex.Timeout.TotalSeconds:0.#} seconds. Try again later or ask another agent.";
        }
        catch (RemoteAgentException ex)
        {
            return $"Agent '{agentId}' failed to answer ({ex.ErrorType}): {ex.RemoteMessage}";
        }
        catch (AgentBusException ex)
        {
            return $"The question to agent '{agentId}' could not be delivered: {ex.Message}";
        }
    }

    public async Task<string> SendAsync(
        [Description("The id of the agent to send to, e.g. \"writer\".")] string agentId,
        [Description("The message, in plain words.")] string message,
        CancellationToken cancellationToken)
    {
        if (Refusal(agentId, message) is { } refusal)
        {
            return refusal;
        }

        try
        {
            string id = await agent.SendToAsync(agentId, message, new SendOptions { SessionId = options.SessionId }, cancellationToken).ConfigureAwait(false);
            return $"Sent to agent '{agentId}' (message {id}); it will read it when it runs.";
        }
        catch (AgentBusException ex)
        {
            return $"The message to agent '{agentId}' could not be sent: {ex.Message}";
        }
    }

    public async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AgentPresence> agents;
        try
        {
            agents = await agent.Bus.ListAgentsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return options.AllowedAgents is { Count: > 0 } allowed
                ? $"This bus cannot list running agents. The agents you may contact are: {string.Join(", ", allowed)}."
                : "This bus cannot list running agents; ask the user which agent to contact.";
        }

        var visible = agents.Where(a => !string.Equals(a.AgentId, agent.Id, StringComparison.Ordinal) && IsAllowed(a.AgentId)).ToList();
        return visible.Count == 0
            ? "No other agent is running on the bus now."
            : string.Join("\n", visible.Select(a => $"{a.AgentId}: {a.Replicas} replica(s) running, {a.Backlog} message(s) waiting"));
    }

    private string? Refusal(string agentId, string message)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return $"Name the agent to contact (agentId); {ListName} tells which agents are running.";
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            return "The message is empty: say what you want from the agent.";
        }

        if (string.Equals(agentId, agent.Id, StringComparison.Ordinal))
        {
            return $"'{agentId}' is you; contact another agent.";
        }

        return IsAllowed(agentId) ? null : $"You may not contact agent '{agentId}'. The agents you may contact are: {string.Join(", ", options.AllowedAgents!)}.";
    }

    private bool IsAllowed(string agentId) => options.AllowedAgents is null || options.AllowedAgents.Contains(agentId, StringComparer.Ordinal);
}
