using AgentBus.Client.Errors;

namespace AgentBus.SemanticKernel;

/// <summary>
/// A failed bus call as a function result the model can act on: a stable code, what happened, and what to try next.
/// A model reads a result, not an exception (a thrown one reaches it as "function failed" at best), so every
/// failure a caller can recover from becomes one of these; only cancellation still throws.
/// </summary>
internal static class ToolError
{
    public const string AgentUnavailable = "agent_unavailable";
    public const string Timeout = "timeout";
    public const string RemoteFailure = "remote_failure";
    public const string BadInput = "bad_input";
    public const string NotAllowed = "not_allowed";
    public const string Unsupported = "unsupported";
    public const string Unreadable = "unreadable_answer";
    public const string Busy = "busy";
    public const string BusError = "bus_error";

    /// <summary>Every error result starts with this, so a model (and a test) tells it from an answer.</summary>
    public const string Prefix = "ERROR ";

    public static string Format(string code, string what, string next) => $"{Prefix}[{code}] {what} Next: {next}";

    /// <summary>The result for an exception of a call to <paramref name="agentId"/>; null when it is not one a model can act on.</summary>
    public static string? From(Exception exception, string agentId) => exception switch
    {
        AgentUnavailableException => Format(AgentUnavailable, $"No replica of agent '{agentId}' is running, so nothing was sent.",
            "call list_agents to see which agents are present, or use send_to_agent to leave a message it reads when it starts."),
        AgentTimeoutException timeout => Format(Timeout,
            $"Agent '{agentId}' did not answer within {timeout.Timeout.TotalSeconds:0.#} s (it may still be working).",
            "ask again with a larger timeout_seconds, ask a simpler question, or go on without this answer."),
        RemoteAgentException remote => Format(RemoteFailure, $"Agent '{agentId}' failed to answer: {remote.ErrorType}: {remote.RemoteMessage}",
            "rephrase or correct the request if the error says it was wrong, or ask another agent."),
        InvalidAgentMessageException invalid => Format(Unreadable, $"The answer of agent '{agentId}' could not be read: {invalid.Message}",
            "ask the agent for a plain text answer, or ask another agent."),
        RequestLimitExceededException => Format(Busy, "Too many requests are waiting for answers on this bus right now.",
            "wait for answers already asked for, then try again."),
        ObjectDisposedException => Format(BusError, "The connection to the agent bus is closed.", "do not call the agent bus again in this conversation."),
        ClientException client => Format(BusError, $"The agent bus could not deliver the call: {client.Message}", "try again once; if it fails again, go on without it."),
        _ => null,
    };
}
