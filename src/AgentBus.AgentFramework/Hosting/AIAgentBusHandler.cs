using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

using AgentSession = Microsoft.Agents.AI.AgentSession;

/// <summary>
/// Serves an <see cref="AIAgent"/> on a bus agent's inbox. A request with a session runs in the agent session kept
/// under that id in the store (created on first use, saved after each run), so any replica, or this one after a
/// restart, goes on with the conversation; the bus hands one session's messages to the handler in order. A streamed
/// request gets each update as a chunk; a run without a session runs in a fresh session that is not kept.
/// </summary>
internal sealed class AIAgentBusHandler
{
    private readonly string _agentId;
    private readonly AIAgent _agent;
    private readonly AIAgentHostOptions _options;
    private readonly AgentSessionStore _store;
    private readonly ServingAgent _serving = new();

    public AIAgentBusHandler(string agentId, AIAgent agent, AIAgentHostOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentNullException.ThrowIfNull(agent);
        _agentId = agentId;
        _agent = agent;
        _options = options ?? new AIAgentHostOptions();
        // The default store writes through the bus agent serving this one, which every message brings along.
        _store = _options.SessionStore ?? new BusAgentSessionStore(_serving.Get);
    }

    public async ValueTask HandleAsync(AgentContext context, CancellationToken ct)
    {
        _serving.Set(context.Agent);
        var input = RunInput.Read(context);
        string? sessionId = context.Envelope.SessionId;
        var key = sessionId is null ? null : SessionKeys.For(_agentId, sessionId);
        var session = key is null
            ? await _agent.CreateSessionAsync(ct).ConfigureAwait(false)
            : await _store.GetOrCreateSessionAsync(_agent, key, ct).ConfigureAwait(false);
        var approvals = new ApprovalTracker(_agentId, sessionId, context.Envelope.RequestId, input.Messages);

        if (context.Envelope.Kind == MessageKind.StreamRequest)
        {
            await StreamAsync(context, input, session, approvals, key, ct).ConfigureAwait(false);
            return;
        }

        var response = await _agent.RunAsync(input.Messages, session, options: null, ct).ConfigureAwait(false);
        approvals.Observe(response.Messages.SelectMany(m => m.Contents));
        await SettleAsync(context, session, key, approvals, ct).ConfigureAwait(false);
        if (context.IsRequest)
        {
            response.ContinuationToken = null;
            if (input.IsPlainText)
            {
                await context.ReplyAsync(response.Text, ct).ConfigureAwait(false);
            }
            else
            {
                await context.ReplyAsync(WireFormat.ToJson(response), ct).ConfigureAwait(false);
            }
        }
    }

    private async Task StreamAsync(AgentContext context, RunInput input, AgentSession session, ApprovalTracker approvals,
        AgentSessionStoreKey? key, CancellationToken ct)
    {
        if (input.IsPlainText)
        {
            var text = context.OpenReplyStream<string>();
            await foreach (var update in _agent.RunStreamingAsync(input.Messages, session, options: null, ct).ConfigureAwait(false))
            {
                approvals.Observe(update.Contents);
                if (update.Text is { Length: > 0 } piece)
                {
                    await text.WriteAsync(piece, ct).ConfigureAwait(false);
                }
            }

            await SettleAsync(context, session, key, approvals, ct).ConfigureAwait(false);
            await text.CompleteAsync(ct).ConfigureAwait(false);
            return;
        }

        var chunks = context.OpenReplyStream<RunChunk>();
        AgentResponseUpdate? last = null;
        await foreach (var update in _agent.RunStreamingAsync(input.Messages, session, options: null, ct).ConfigureAwait(false))
        {
            approvals.Observe(update.Contents);
            // The hosted agent's own token means nothing to a remote caller; the caller's bus token replaces it.
            update.ContinuationToken = null;
            await chunks.WriteAsync(new RunChunk(WireFormat.ToJson(update)), ct).ConfigureAwait(false);
            last = update;
        }

        // Saved before the final chunk: a caller that saw the run complete can count on the session having it.
        await SettleAsync(context, session, key, approvals, ct).ConfigureAwait(false);
        var final = new AgentResponseUpdate
        {
            Role = last?.Role ?? ChatRole.Assistant,
            AuthorName = last?.AuthorName,
            MessageId = last?.MessageId,
            ResponseId = last?.ResponseId,
            FinishReason = last?.FinishReason,
        };
        await chunks.WriteAsync(new RunChunk(WireFormat.ToJson(final), Final: true), ct).ConfigureAwait(false);
        await chunks.CompleteAsync(ct).ConfigureAwait(false);
    }

    /// <summary>After a run: keeps the session, then tells the bus session which approvals are now pending or answered.</summary>
    private async Task SettleAsync(AgentContext context, AgentSession session, AgentSessionStoreKey? key, ApprovalTracker approvals, CancellationToken ct)
    {
        if (key is null)
        {
            return;
        }

        await _store.SaveSessionAsync(_agent, key, session, ct).ConfigureAwait(false);
        if (_options.PublishApprovalRequests)
        {
            await approvals.PublishAsync(context.Agent, ct).ConfigureAwait(false);
        }
    }
}
