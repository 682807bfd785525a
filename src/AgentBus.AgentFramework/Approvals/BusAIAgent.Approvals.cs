using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

using AgentSession = Microsoft.Agents.AI.AgentSession;

public sealed partial class BusAIAgent
{
    /// <summary>
    /// The tool approvals this agent is waiting for in <paramref name="session"/>, read from the bus session (the
    /// host posts each run's approval requests and answers there), so a gateway that restarted — or any other
    /// process — finds what to ask the user. Answer one by running the agent in the session with a user message
    /// holding <c>request.CreateResponse(approved)</c>; the host, restarted or not, goes on with the run.
    /// </summary>
    /// <param name="session">The bus session.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The pending requests, oldest first.</returns>
    /// <exception cref="NotSupportedException">The broker cannot read a session's history (Apache RocketMQ).</exception>
    public async Task<IReadOnlyList<ToolApprovalRequestContent>> GetPendingApprovalsAsync(AgentSession session, CancellationToken cancellationToken = default)
    {
        string sessionId = RequireBusSession(session).SessionId;
        var pending = new List<ToolApprovalRequestContent>();
        await foreach (var message in SessionHistoryReads.ReadAllAsync(Caller, sessionId, cancellationToken).ConfigureAwait(false))
        {
            if (ReadApprovalEvent(message) is not { } approvals || !string.Equals(approvals.Agent, Peer, StringComparison.Ordinal))
            {
                continue;
            }

            if (approvals.Answered is { } answered)
            {
                pending.RemoveAll(request => answered.Contains(request.RequestId));
            }

            if (approvals.Requested is { } requested)
            {
                pending.AddRange(WireFormat.FromJson<List<AIContent>>(requested, $"The approval requests of {message}").OfType<ToolApprovalRequestContent>());
            }
        }

        return pending;
    }

    /// <summary>
    /// The tool-approval requests a bus session message carries: a hosted agent posts one such message to the session
    /// for each run that raised approvals. For a gateway that owns the session (<c>Agent.OpenSessionAsync</c>) and reads
    /// what arrives to it; <see cref="SessionMessage.Envelope"/>'s <c>From</c> names the agent that asks.
    /// </summary>
    /// <param name="message">A message read from a bus session.</param>
    /// <returns>The requests; empty for any other message.</returns>
    public static IReadOnlyList<ToolApprovalRequestContent> GetApprovalRequests(SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ReadApprovalEvent(message) is { Requested: { } requested }
            ? [.. WireFormat.FromJson<List<AIContent>>(requested, $"The approval requests of {message}").OfType<ToolApprovalRequestContent>()]
            : [];
    }

    /// <summary>The approval event a session message holds; null for any other message of the session.</summary>
    private static ApprovalEvent? ReadApprovalEvent(SessionMessage message)
    {
        try
        {
            var body = message.GetBody<JsonElement>();
            return body.ValueKind == JsonValueKind.Object && body.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() == ApprovalEvent.EventType
                ? body.Deserialize<ApprovalEvent>()
                : null;
        }
        catch (Exception ex) when (ex is InvalidAgentMessageException or JsonException)
        {
            return null;
        }
    }
}
