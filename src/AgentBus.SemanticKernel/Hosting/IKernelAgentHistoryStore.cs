using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel;

/// <summary>
/// Where an agent hosted with <c>CreateKernelAgentAsync</c> keeps each session's chat history between requests. The
/// default keeps it in memory (bounded, per process); implement this to keep it in a database so that replicas in
/// other processes, or this one after a restart, continue the conversation.
/// </summary>
/// <remarks>
/// The bus hands one process a session's messages one at a time, in order, so loads and saves of one session do not
/// overlap within a process. Replicas in several processes may serve one session; a shared store then sees the last
/// save win.
/// </remarks>
public interface IKernelAgentHistoryStore
{
    /// <summary>The session's history (without the agent's instructions), or null when it has none yet.</summary>
    /// <param name="agentId">The hosted agent.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="ct">Cancels loading.</param>
    /// <returns>The history; the agent works on a copy.</returns>
    ValueTask<ChatHistory?> LoadAsync(string agentId, string sessionId, CancellationToken ct);

    /// <summary>Stores the session's history after a turn completed (a failed turn stores nothing).</summary>
    /// <param name="agentId">The hosted agent.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="history">The history, already cut to <see cref="KernelAgentOptions.MaxHistoryMessages"/>.</param>
    /// <param name="ct">Cancels storing.</param>
    /// <returns>A task that completes when it is stored.</returns>
    ValueTask SaveAsync(string agentId, string sessionId, ChatHistory history, CancellationToken ct);
}
