using System.Threading.Tasks.Sources;

namespace AgentBus.Replies;

/// <summary>
/// One request waiting for its reply: registered before the request is sent, removed when the caller stops waiting.
/// The waiter awaits this object itself (a <see cref="ValueTask{TResult}"/> over it) instead of a
/// <c>TaskCompletionSource</c> plus a timer per request: the <see cref="ReplyRouter"/>'s one deadline timer fails it
/// when its timeout passes. Whoever takes it out of the router's table (the reply, the deadline, the caller's
/// cancellation, the router closing) is the one that completes it, so it completes once.
/// </summary>
internal sealed class PendingReply(ReplyRouter router, string requestId, string peer) : IValueTaskSource<ReceivedReply>
{
    /// <summary>The deadline of a request whose caller does not wait yet (it is still sending).</summary>
    internal const long NotWaiting = long.MaxValue;

    private ManualResetValueTaskSourceCore<ReceivedReply> _completion = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private long _deadline = NotWaiting;

    public string RequestId { get; } = requestId;

    public string Peer { get; } = peer;

    /// <summary>How long the caller waits, from when it started waiting.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary>When the caller stops waiting, as a <see cref="TimeProvider.GetTimestamp"/>; <see cref="NotWaiting"/> before it waits.</summary>
    public long Deadline => Volatile.Read(ref _deadline);

    /// <summary>Waits for the reply: an <see cref="AgentTimeoutException"/> after <paramref name="timeout"/>, a <see cref="TaskCanceledException"/> (as an awaited task's) when <paramref name="ct"/> fires.</summary>
    /// <remarks>Awaited once, by the caller that registered the request.</remarks>
    public ValueTask<ReceivedReply> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        Timeout = timeout;
        router.StartDeadline(this, timeout);
        if (ct.CanBeCanceled)
        {
            _cancellation = ct.UnsafeRegister(static (state, token) => ((PendingReply)state!).Cancel(token), this);
        }

        return new ValueTask<ReceivedReply>(this, _completion.Version);
    }

    internal void SetDeadline(long deadline) => Volatile.Write(ref _deadline, deadline);

    /// <summary>Completes the wait; called only by whoever took the request out of the router's table.</summary>
    internal void Complete(ReceivedReply reply) => _completion.SetResult(reply);

    /// <summary>Fails the wait; called only by whoever took the request out of the router's table.</summary>
    internal void Fail(Exception error) => _completion.SetException(error);

    /// <summary>Stops listening to the caller's token once the caller is done.</summary>
    internal void ReleaseCancellation() => _cancellation.Dispose();

    private void Cancel(CancellationToken token)
    {
        if (router.TryTake(this))
        {
            Fail(new TaskCanceledException("The caller stopped waiting for the reply.", innerException: null, token));
        }
    }

    ReceivedReply IValueTaskSource<ReceivedReply>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReceivedReply>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<ReceivedReply>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
