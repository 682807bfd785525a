namespace AgentBus;

/// <summary>
/// An agent's handler as a class, for dependency injection: registered with
/// <c>AddAgent&lt;THandler&gt;(agentId)</c>, resolved from a new scope for each message (so it may take scoped
/// services such as a kernel or a DbContext).
/// </summary>
public interface IAgentHandler
{
    /// <summary>Handles one message; see <see cref="AgentHandler"/> for the rules.</summary>
    /// <param name="context">The message, its envelope, and ways to answer.</param>
    /// <param name="ct">Cancelled when the request's deadline passes or the agent stops.</param>
    /// <returns>A task that completes when the message is handled.</returns>
    ValueTask HandleAsync(AgentContext context, CancellationToken ct);
}
