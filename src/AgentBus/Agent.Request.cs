using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using AgentBus.Replies;

namespace AgentBus;

public sealed partial class Agent
{
    /// <summary>
    /// Asks <paramref name="peer"/> and waits for its reply, which comes back to this exact instance (its reply
    /// topic, or the session's topic for a session request). The agent need not be online now: the request waits
    /// in its inbox until the timeout.
    /// </summary>
    /// <typeparam name="TRequest">The request type (written as JSON).</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="request">The request.</param>
    /// <param name="options">Request id, timeout, session, idempotency key.</param>
    /// <param name="ct">Cancels waiting (the request may still be handled; its reply is then kept for <see cref="AttachAsync{TReply}"/>).</param>
    /// <returns>The reply.</returns>
    /// <exception cref="AgentTimeoutException">No reply within the timeout.</exception>
    /// <exception cref="RemoteAgentException">The agent's handler failed.</exception>
    /// <exception cref="RequestLimitExceededException">Too many requests are waiting already.</exception>
    public Task<TReply> RequestAsync<TRequest, TReply>(string peer, TRequest request, RequestOptions? options = null, CancellationToken ct = default) =>
        RequestCoreAsync<TRequest, TReply>(peer, request, options, replyTo: null, ct);

    /// <summary>A request whose reply goes to <paramref name="replyTo"/> (a session this instance owns) or, when null, to this instance's reply topic.</summary>
    internal async Task<TReply> RequestCoreAsync<TRequest, TReply>(string peer, TRequest request, RequestOptions? options, string? replyTo,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        string requestId = RequestIdOf(peer, options);
        var timeout = options?.Timeout ?? Bus.Options.RequestTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var body = Bus.Serializer.Serialize(request);
        // An idempotent request is answered on its own lite topic: a retry from another instance (or after this one
        // restarted with a new id) reads the first reply there.
        bool ownTopic = options?.IdempotencyKey is not null && replyTo is null;
        var pending = Bus.Replies.Register(requestId, peer);
        long started = Bus.Time.GetTimestamp();
        AgentBusTelemetry.RequestStarted();
        string? failure = "canceled";
        try
        {
            if (ownTopic)
            {
                await Bus.Replies.WatchKeptReplyAsync(requestId, ct).ConfigureAwait(false);
            }

            var envelope = RequestEnvelope(MessageKind.Request, requestId,
                replyTo ?? (ownTopic ? LiteTopicNames.ForRequest(requestId) : Bus.ReplyTopic), timeout, options);
            await SendAsync(peer, LiteTopicNames.ForAgent(peer), envelope, body, ct).ConfigureAwait(false);
            var reply = await AwaitReplyAsync(pending, timeout, ct).ConfigureAwait(false);
            var result = ReadReply<TReply>(peer, reply);
            failure = null;
            return result;
        }
        catch (AgentTimeoutException)
        {
            failure = "timeout";
            throw;
        }
        catch (RemoteAgentException ex)
        {
            failure = ex.ErrorType;
            throw;
        }
        finally
        {
            Bus.Replies.Unregister(pending);
            if (ownTopic)
            {
                await Bus.Replies.UnwatchAsync(requestId).ConfigureAwait(false);
            }

            AgentBusTelemetry.RequestEnded(peer, Bus.Time.GetElapsedTime(started), failure);
        }
    }

    /// <summary>
    /// Awaits the reply of a request sent earlier — by this instance before a restart (same instance id), or one whose
    /// caller timed out. A reply that arrived while nobody waited was kept on the request's own lite topic; it is
    /// returned at once, otherwise this waits for it.
    /// </summary>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <param name="requestId">The request id (<see cref="RequestOptions.RequestId"/>).</param>
    /// <param name="timeout">How long to wait; null uses <see cref="AgentBusOptions.RequestTimeout"/>.</param>
    /// <param name="ct">Cancels waiting.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="AgentTimeoutException">No reply within the timeout.</exception>
    /// <exception cref="RemoteAgentException">The agent's handler failed.</exception>
    public async Task<TReply> AttachAsync<TReply>(string requestId, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        var wait = timeout ?? Bus.Options.RequestTimeout;
        var pending = Bus.Replies.Register(requestId, "(attached)");
        try
        {
            await Bus.Replies.WatchKeptReplyAsync(requestId, ct).ConfigureAwait(false);
            var reply = await AwaitReplyAsync(pending, wait, ct).ConfigureAwait(false);
            return ReadReply<TReply>(reply.Envelope.From ?? "(unknown)", reply);
        }
        finally
        {
            Bus.Replies.Unregister(pending);
            await Bus.Replies.UnwatchAsync(requestId).ConfigureAwait(false);
        }
    }

    /// <summary>The caller's request id; attempts with one idempotency key share one, so any instance can await the reply.</summary>
    private static string RequestIdOf(string peer, RequestOptions? options) =>
        options?.RequestId ?? (options?.IdempotencyKey is { } key ? $"{peer}/{key}" : MessageIds.New());

    private OutgoingMessage RequestEnvelope(MessageKind kind, string requestId, string replyTo, TimeSpan timeout, RequestOptions? options) =>
        new(kind, MessageIds.New())
        {
            RequestId = requestId,
            ReplyTo = replyTo,
            SessionId = options?.SessionId,
            Deadline = Bus.Time.GetUtcNow() + timeout,
            IdempotencyKey = options?.IdempotencyKey,
            Deduplicate = true,
            Attempt = options?.Attempt ?? 1,
            RequireSubscriber = options?.RequireLiveAgent ?? Bus.Options.RequireLiveAgent,
        };

    /// <summary>Waits for the reply; <see cref="AgentTimeoutException"/> after <paramref name="timeout"/> (the router's deadline timer).</summary>
    private static ValueTask<ReceivedReply> AwaitReplyAsync(PendingReply pending, TimeSpan timeout, CancellationToken ct) =>
        pending.WaitAsync(timeout, ct);

    private TReply ReadReply<TReply>(string peer, ReceivedReply reply)
    {
        var envelope = reply.Envelope;
        if (envelope.Kind == MessageKind.Error)
        {
            string message = Bus.Serializer.Deserialize<string>(reply.Body, envelope.ContentType, $"the error of request {envelope.RequestId}");
            throw new RemoteAgentException(envelope.From ?? peer, envelope.RequestId!, envelope.ErrorType ?? "Error", message);
        }

        return Bus.Serializer.Deserialize<TReply>(reply.Body, envelope.ContentType, $"the reply to request {envelope.RequestId}");
    }
}
