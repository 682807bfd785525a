using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentBus.Envelopes;

using AgentBus.Sessions;

namespace AgentBus;

/// <summary>
/// A session (conversation, task) this instance owns: everything that arrives to it is read with
/// <see cref="ReadAllAsync"/> — including what arrived while no owner held it — and requests made through it are
/// answered on the session, so a new owner gets the replies. Exclusive: when another instance opens the session,
/// this one is told to let go (<see cref="OwnershipLost"/>). Open one with <see cref="Agent.OpenSessionAsync"/>.
/// </summary>
public sealed class AgentSession : IAsyncDisposable
{
    private readonly SessionHub _hub;
    private readonly Channel<Delivery> _arrived = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(16) { SingleReader = true });
    private readonly CancellationTokenSource _lost = new();
    private int _closed;

    internal AgentSession(Agent agent, SessionHub hub, string sessionId, string liteTopic)
    {
        Agent = agent;
        _hub = hub;
        SessionId = sessionId;
        LiteTopic = liteTopic;
    }

    /// <summary>The session id.</summary>
    public string SessionId { get; }

    /// <summary>The agent that opened the session (the sender of what is sent through it).</summary>
    public Agent Agent { get; }

    /// <summary>The session's lite topic.</summary>
    public string LiteTopic { get; }

    /// <summary>Cancelled when another instance took the session over (or this one closed it).</summary>
    public CancellationToken OwnershipLost => _lost.Token;

    internal CancellationTokenSource Lost => _lost;

    /// <summary>Whether another instance took the session over (then the broker already removed the subscription).</summary>
    internal bool TakenOver { get; private set; }

    /// <summary>The session consumer holding this session's subscription.</summary>
    internal Client.Lite.LitePushConsumer? Consumer { get; set; }

    /// <summary>Sends a one-way message to <paramref name="peer"/> within the session (the peer handles a session's messages in order).</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="message">The message.</param>
    /// <param name="ct">Cancels the send.</param>
    /// <returns>The bus message id.</returns>
    public Task<string> SendToAsync<T>(string peer, T message, CancellationToken ct = default) =>
        Agent.SendToAsync(peer, message, new SendOptions { SessionId = SessionId }, ct);

    /// <summary>Asks <paramref name="peer"/> within the session; the reply comes back on the session.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="request">The request.</param>
    /// <param name="options">Request id, timeout (the session is set by the session).</param>
    /// <param name="ct">Cancels waiting.</param>
    /// <returns>The reply.</returns>
    public Task<TReply> RequestAsync<TRequest, TReply>(string peer, TRequest request, RequestOptions? options = null, CancellationToken ct = default)
    {
        var withSession = new RequestOptions
        {
            RequestId = options?.RequestId,
            Timeout = options?.Timeout,
            IdempotencyKey = options?.IdempotencyKey,
            Attempt = options?.Attempt ?? 1,
            RequireLiveAgent = options?.RequireLiveAgent,
            SessionId = SessionId,
        };
        return Agent.RequestCoreAsync<TRequest, TReply>(peer, request, withSession, LiteTopic, ct);
    }

    /// <summary>
    /// Reads what arrives to the session, in order, until <paramref name="ct"/> is cancelled, the session is closed
    /// or taken over. A message counts as read (and is acknowledged) when the loop asks for the next one or ends, so
    /// a message being worked on when this instance dies goes to the next owner.
    /// </summary>
    /// <param name="ct">Stops reading.</param>
    /// <returns>The session's messages.</returns>
    public async IAsyncEnumerable<SessionMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _lost.Token);
        Delivery? current = null;
        try
        {
            while (true)
            {
                // Asking for the next message settles the previous one, which lets the session's next message come.
                current?.Read.TrySetResult(true);
                current = null;
                Delivery next;
                try
                {
                    next = await _arrived.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    yield break;
                }
                catch (ChannelClosedException)
                {
                    yield break;
                }

                current = next;
                yield return next.Message;
            }
        }
        finally
        {
            current?.Read.TrySetResult(true);
        }
    }

    /// <summary>Closes the session here: stops reading and gives it up (another instance may open it).</summary>
    /// <returns>A task that completes when the session is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        Close(lost: false);
        await _hub.CloseAsync(this).ConfigureAwait(false);
    }

    /// <summary>Hands a message to the reader; true once it was read, false when the session closed first.</summary>
    internal async ValueTask<bool> DeliverAsync(SessionMessage message, CancellationToken ct)
    {
        var delivery = new Delivery(message);
        try
        {
            await _arrived.Writer.WriteAsync(delivery, ct).ConfigureAwait(false);
            using (_lost.Token.UnsafeRegister(static state => ((Delivery)state!).Read.TrySetResult(false), delivery))
            {
                return await delivery.Read.Task.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    internal void Close(bool lost)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        TakenOver = lost;
        _arrived.Writer.TryComplete();
        _lost.Cancel();
    }

    private sealed class Delivery(SessionMessage message)
    {
        public SessionMessage Message { get; } = message;

        public TaskCompletionSource<bool> Read { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
