using AgentBus.Envelopes;

using AgentBus.Handling;

namespace AgentBus;

/// <summary>What a handler gets: the message and its envelope, and ways to reply, stream a reply or send on.</summary>
public sealed class AgentContext
{
    private int _answered;

    internal AgentContext(Agent agent, AgentEnvelope envelope, ReadOnlyMemory<byte> body)
    {
        Agent = agent;
        Envelope = envelope;
        Body = body;
    }

    /// <summary>The agent handling the message: send to others through it (the session and trace carry on).</summary>
    public Agent Agent { get; }

    /// <summary>The message's envelope: kind, ids, sender, session, deadline.</summary>
    public AgentEnvelope Envelope { get; }

    /// <summary>The raw body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Whether the sender waits for an answer (a request or a streamed request).</summary>
    public bool IsRequest => Envelope.Kind is MessageKind.Request or MessageKind.StreamRequest;

    /// <summary>Whether a reply, an error or a reply stream has been started.</summary>
    public bool HasAnswered => Volatile.Read(ref _answered) != 0;

    internal ReplyStreamCore? Stream { get; private set; }

    /// <summary>Reads the body as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The message.</returns>
    /// <exception cref="InvalidAgentMessageException">The body is not a <typeparamref name="T"/>; the bus dead-letters the message (and tells a requester).</exception>
    public T GetBody<T>() => Agent.Bus.Serializer.Deserialize<T>(Body, Envelope.ContentType, Envelope.ToString());

    /// <summary>Answers the request with <paramref name="reply"/>. For a streamed request, the reply is the only chunk.</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <param name="reply">The reply.</param>
    /// <param name="ct">Cancels the send.</param>
    /// <returns>A task that completes when the broker stored the reply.</returns>
    public ValueTask ReplyAsync<T>(T reply, CancellationToken ct = default)
    {
        if (Envelope.Kind == MessageKind.StreamRequest)
        {
            return ReplyAsOnlyChunkAsync(reply, ct);
        }

        // Not an async method: the send's task is handed back as it is (one state machine fewer per reply), and a
        // failure before it is a faulted task, as an async method's would be.
        try
        {
            EnsureRequest();
            Claim();
            return new ValueTask(Agent.SendReplyAsync(Envelope, MessageKind.Reply, Agent.Bus.Serializer.Serialize(reply), errorType: null, ct));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    private async ValueTask ReplyAsOnlyChunkAsync<T>(T reply, CancellationToken ct)
    {
        var stream = OpenReplyStream<T>();
        await stream.WriteAsync(reply, ct).ConfigureAwait(false);
        await stream.CompleteAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Answers the request with an error: the caller gets a <see cref="RemoteAgentException"/>.</summary>
    /// <param name="errorType">The kind of failure (e.g. <c>NotFound</c>).</param>
    /// <param name="message">What went wrong, for the caller.</param>
    /// <param name="ct">Cancels the send.</param>
    /// <returns>A task that completes when the broker stored the error.</returns>
    public async ValueTask FailAsync(string errorType, string message, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorType);
        ArgumentNullException.ThrowIfNull(message);
        EnsureRequest();
        if (Stream is { } open)
        {
            await open.FailAsync(errorType, message, ct).ConfigureAwait(false);
            return;
        }

        Claim();
        await Agent.SendErrorAsync(Envelope, errorType, message, ct).ConfigureAwait(false);
    }

    /// <summary>Starts a streamed reply: write chunks in order, then complete it (the bus completes it when the handler returns).</summary>
    /// <typeparam name="T">The chunk type.</typeparam>
    /// <returns>The stream writer.</returns>
    public ReplyStream<T> OpenReplyStream<T>()
    {
        if (Envelope.Kind != MessageKind.StreamRequest)
        {
            throw new InvalidOperationException($"Only a streamed request can be answered with a stream; this is a {Envelope.Kind}.");
        }

        Claim();
        Stream = new ReplyStreamCore(Agent, Envelope);
        return new ReplyStream<T>(Stream, Agent.Bus.Serializer);
    }

    /// <summary>Streams every item of <paramref name="chunks"/> as the reply, then completes it.</summary>
    /// <typeparam name="T">The chunk type.</typeparam>
    /// <param name="chunks">The chunks (LLM tokens, say).</param>
    /// <param name="ct">Cancels streaming.</param>
    /// <returns>A task that completes when every chunk and the end marker were stored.</returns>
    public async ValueTask StreamReplyAsync<T>(IAsyncEnumerable<T> chunks, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var stream = OpenReplyStream<T>();
        await foreach (var chunk in chunks.WithCancellation(ct).ConfigureAwait(false))
        {
            await stream.WriteAsync(chunk, ct).ConfigureAwait(false);
        }

        await stream.CompleteAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Sends a one-way message to another agent within this message's session.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="message">The message.</param>
    /// <param name="ct">Cancels the send.</param>
    /// <returns>The bus message id.</returns>
    public Task<string> SendToAsync<T>(string peer, T message, CancellationToken ct = default) =>
        Agent.SendToAsync(peer, message, new SendOptions { SessionId = Envelope.SessionId }, ct);

    /// <summary>Asks another agent within this message's session; the deadline is at most this message's.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="request">The request.</param>
    /// <param name="ct">Cancels waiting.</param>
    /// <returns>The reply.</returns>
    public Task<TReply> RequestAsync<TRequest, TReply>(string peer, TRequest request, CancellationToken ct = default)
    {
        TimeSpan? timeout = Envelope.Deadline is { } deadline ? deadline - Agent.Bus.Time.GetUtcNow() : null;
        if (timeout is { } left && left <= TimeSpan.Zero)
        {
            throw new AgentTimeoutException(peer, "(not sent)", TimeSpan.Zero);
        }

        return Agent.RequestAsync<TRequest, TReply>(peer, request, new RequestOptions { SessionId = Envelope.SessionId, Timeout = timeout }, ct);
    }

    private void EnsureRequest()
    {
        if (!IsRequest)
        {
            throw new InvalidOperationException($"A {Envelope.Kind} expects no answer.");
        }
    }

    private void Claim()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException($"Request {Envelope.RequestId} has already been answered.");
        }
    }
}
