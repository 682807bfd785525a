using System.ComponentModel;
using AgentBus.SemanticKernel.Hosting;

namespace AgentBus.SemanticKernel;

/// <summary>
/// The agent bus as kernel functions, on behalf of one <see cref="AgentBus.Agent"/>: the model sends to, asks and
/// streams from its peers, lists who is present and reads its session. Every function returns text for the model —
/// an answer, or an <c>ERROR [code]</c> result saying what went wrong and what to do next — and throws only when the
/// call is cancelled. Split by concern: messaging, presence, history.
/// </summary>
[Description("Talk to other AI agents on the agent bus: ask them questions, delegate tasks, leave them messages, see who is present.")]
internal sealed partial class AgentBusPlugin
{
    private readonly AgentBusPluginOptions _options;

    public AgentBusPlugin(Agent agent, AgentBusPluginOptions options)
    {
        Agent = agent;
        _options = options;
    }

    public Agent Agent { get; }

    /// <summary>
    /// The session the calls belong to: the one of the request a hosted kernel is answering, else the configured one.
    /// </summary>
    private string? SessionId => KernelAgentScope.Current?.Envelope.SessionId ?? _options.SessionId;

    /// <summary>Checks a peer id the model gave; null when it may be addressed, else the error result.</summary>
    private string? CheckPeer(ref string agentId)
    {
        agentId = agentId?.Trim() ?? "";
        if (agentId.Length == 0)
        {
            return ToolError.Format(ToolError.BadInput, "agent_id is empty.", "give the id of an agent, as list_agents shows it.");
        }

        if (string.Equals(agentId, Agent.Id, StringComparison.Ordinal))
        {
            return ToolError.Format(ToolError.BadInput, $"'{agentId}' is your own agent id.", "address another agent; answer yourself instead of asking yourself.");
        }

        if (_options.AllowedAgents is { } allowed && !allowed.Contains(agentId))
        {
            return ToolError.Format(ToolError.NotAllowed, $"You may not address agent '{agentId}'.",
                $"address one of: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
        }

        return null;
    }

    private static string? CheckText(string? text, string parameter) =>
        string.IsNullOrWhiteSpace(text)
            ? ToolError.Format(ToolError.BadInput, $"{parameter} is empty.", $"write the {parameter} the agent should get.")
            : null;

    /// <summary>
    /// The timeout of a call: the model's (cut to <see cref="AgentBusPluginOptions.MaxTimeout"/>) or the default,
    /// and never past the deadline of the request a hosted kernel is answering. Null timeout: the bus's default.
    /// </summary>
    private string? TimeoutOf(int? seconds, out TimeSpan? timeout)
    {
        timeout = null;
        if (seconds is <= 0)
        {
            return ToolError.Format(ToolError.BadInput, $"timeout_seconds is {seconds}.", "give a positive number of seconds, or leave it empty for the default.");
        }

        timeout = seconds is { } s ? TimeSpan.FromSeconds(Math.Min(s, _options.MaxTimeout.TotalSeconds)) : _options.DefaultTimeout;
        if (KernelAgentScope.Current?.Envelope.Deadline is { } deadline)
        {
            var left = deadline - TimeProvider.System.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return ToolError.Format(ToolError.Timeout, "The request you are answering has run out of time.", "answer now with what you have.");
            }

            timeout = timeout is { } t && t < left ? t : left;
        }

        return null;
    }
}
