namespace AgentBus.SemanticKernel;

/// <summary>
/// A request to an agent hosted with <c>CreateKernelAgentAsync</c>, for callers that send more than a prompt. A plain
/// string body is the same as a request with only <see cref="Prompt"/>. The session is the envelope's
/// (<see cref="RequestOptions.SessionId"/>), not part of the body.
/// </summary>
/// <param name="Prompt">What the user (or the calling agent) says.</param>
public sealed record KernelAgentRequest(string Prompt)
{
    /// <summary>Instructions for this turn only, after the agent's own (a tone, a format); not kept in the session's history.</summary>
    public string? Instructions { get; init; }
}
