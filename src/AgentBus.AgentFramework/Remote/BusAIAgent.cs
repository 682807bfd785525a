using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

using AgentSession = Microsoft.Agents.AI.AgentSession;

/// <summary>
/// An agent on the bus — in this process or on another machine — as an Agent Framework <see cref="AIAgent"/>:
/// <c>RunAsync</c>, <c>RunStreamingAsync</c>, sessions, workflows (<c>AgentWorkflowBuilder</c>) and
/// <c>AsAIFunction()</c> use it like a local agent. Each run is a bus request from <see cref="Caller"/> to
/// <see cref="Peer"/>; the peer serves it with <c>HostAIAgentAsync</c> (or any handler speaking the same messages).
/// A session is a bus session (<see cref="BusAgentSession"/>): the peer keeps the conversation under its id. Every
/// streamed update but the last carries a <see cref="BusContinuationToken"/>; passing it back as
/// <see cref="AgentRunOptions.ContinuationToken"/> resumes a broken stream with no gap and no duplicate.
/// </summary>
/// <example>
/// <code>
/// AIAgent writer = gateway.AsAIAgent("writer");
/// AgentSession session = await writer.CreateSessionAsync();
/// await foreach (var update in writer.RunStreamingAsync("a haiku about lite topics", session))
///     Console.Write(update.Text);
/// </code>
/// </example>
public sealed partial class BusAIAgent : AIAgent
{
    private readonly BusAIAgentOptions _options;

    /// <summary>Creates the agent.</summary>
    /// <param name="caller">The bus agent that sends the runs (a gateway, say): replies come back to its instance.</param>
    /// <param name="peer">The bus agent id that serves the runs.</param>
    /// <param name="options">Name, description, timeout.</param>
    public BusAIAgent(Agent caller, string peer, BusAIAgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentException.ThrowIfNullOrEmpty(peer);
        Caller = caller;
        Peer = peer;
        _options = options ?? new BusAIAgentOptions();
    }

    /// <summary>The bus agent that sends the runs.</summary>
    public Agent Caller { get; }

    /// <summary>The bus agent id that serves the runs.</summary>
    public string Peer { get; }

    /// <inheritdoc />
    public override string? Name => _options.Name ?? Peer;

    /// <inheritdoc />
    public override string? Description => _options.Description;

    /// <inheritdoc />
    protected override string? IdCore => _options.Id;

    /// <inheritdoc />
    protected override ValueTask<AgentSession> CreateSessionCoreAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<AgentSession>(new BusAgentSession(Guid.CreateVersion7().ToString("N")));

    /// <inheritdoc />
    protected override ValueTask<JsonElement> SerializeSessionCoreAsync(AgentSession session, JsonSerializerOptions? jsonSerializerOptions = null,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(RequireBusSession(session).Serialize());

    /// <inheritdoc />
    protected override ValueTask<AgentSession> DeserializeSessionCoreAsync(JsonElement serializedState, JsonSerializerOptions? jsonSerializerOptions = null,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<AgentSession>(BusAgentSession.Deserialize(serializedState));

    /// <inheritdoc />
    protected override async Task<AgentResponse> RunCoreAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null,
        AgentRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.ContinuationToken is not null)
        {
            // The rest of a run whose stream broke: read it to its end.
            return await RunCoreStreamingAsync(messages, session, options, cancellationToken).ToAgentResponseAsync(cancellationToken).ConfigureAwait(false);
        }

        string? sessionId = SessionIdOf(session);
        var reply = await Caller.RequestAsync<RunRequest, JsonElement>(Peer, RunRequest.Of(messages),
            new RequestOptions { RequestId = NewRequestId(), SessionId = sessionId, Timeout = _options.Timeout }, cancellationToken).ConfigureAwait(false);
        var response = WireFormat.FromJson<AgentResponse>(reply, $"The reply of agent '{Peer}'");
        response.AgentId = Id;
        foreach (var message in response.Messages)
        {
            message.AuthorName ??= Name;
        }

        return response;
    }

    /// <inheritdoc />
    protected override async IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null,
        AgentRunOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string? sessionId = SessionIdOf(session);
        string requestId;
        long sequence;
        IAsyncEnumerable<RunChunk> chunks;
        if (options?.ContinuationToken is { } token)
        {
            var resume = BusContinuationToken.From(token);
            if (messages.Any())
            {
                throw new ArgumentException("A continuation token resumes a run that was already asked: pass no new messages with it.", nameof(messages));
            }

            if (sessionId is not null && resume.SessionId is not null && !string.Equals(sessionId, resume.SessionId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The continuation token belongs to session '{resume.SessionId}', not to '{sessionId}'.", nameof(options));
            }

            sessionId ??= resume.SessionId;
            requestId = resume.RequestId;
            sequence = resume.Sequence + 1;
            chunks = Caller.ResumeStreamAsync<RunChunk>(requestId, resume.Sequence, _options.Timeout, cancellationToken);
        }
        else
        {
            requestId = NewRequestId();
            sequence = 0;
            chunks = Caller.StreamAsync<RunRequest, RunChunk>(Peer, RunRequest.Of(messages),
                new RequestOptions { RequestId = requestId, SessionId = sessionId, Timeout = _options.Timeout }, cancellationToken);
        }

        await foreach (var chunk in chunks.ConfigureAwait(false))
        {
            var update = WireFormat.FromJson<AgentResponseUpdate>(chunk.Update, $"Update {sequence} of agent '{Peer}'");
            update.AgentId = Id;
            update.AuthorName ??= Name;
            // The last update carries no token: the run is complete (the convention ToAgentResponse relies on).
            update.ContinuationToken = chunk.Final ? null : new BusContinuationToken(sessionId, requestId, sequence);
            sequence++;
            yield return update;
            if (chunk.Final)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(Agent) ? Caller : base.GetService(serviceType, serviceKey);
    }

    private static string NewRequestId() => Guid.CreateVersion7().ToString("N");

    private static string? SessionIdOf(AgentSession? session) => session is null ? null : RequireBusSession(session).SessionId;

    private static BusAgentSession RequireBusSession(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session as BusAgentSession ?? throw new ArgumentException(
            $"A bus agent runs in a {nameof(BusAgentSession)} (from its CreateSessionAsync, or new BusAgentSession(id)), not a {session.GetType().Name}.", nameof(session));
    }
}
