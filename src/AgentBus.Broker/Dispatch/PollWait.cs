using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace AgentBus.Broker.Dispatch;

/// <summary>How a long poll's wait ended.</summary>
internal enum PollWaitOutcome
{
    /// <summary>The signal pulsed: look again.</summary>
    Signaled,
    /// <summary>The timeout passed.</summary>
    TimedOut,
    /// <summary>The broker is shutting down.</summary>
    Closing,
    /// <summary>The caller cancelled.</summary>
    Canceled,
}

/// <summary>
/// One long poll's wait for a <see cref="WakeSignal"/>, its timeout, the caller's cancellation or the broker's shutdown,
/// whichever comes first. Reused from a <see cref="PollWaits"/> pool: the timer is created once per instance and only
/// moved, the awaitable is a reset <see cref="ManualResetValueTaskSourceCore{TResult}"/>, so waiting allocates nothing
/// (a long poll of a busy consumer waits about once per delivery).
/// </summary>
/// <remarks>
/// Exactly one of the four completes a wait (<see cref="TryComplete"/>); whichever does takes the wait out of its
/// signal's list before completing it, so a later pulse of that signal never reaches the instance once reused. A
/// timer callback that was already running when the wait ended finds the next wait's deadline not yet reached and
/// moves the timer to it instead of ending that wait early.
/// </remarks>
internal sealed class PollWait : IValueTaskSource<PollWaitOutcome>
{
    private static readonly TimerCallback s_onTimer = static state => ((PollWait)state!).OnTimer();
    private static readonly Action<object?> s_onCanceled = static state => ((PollWait)state!).TryComplete(PollWaitOutcome.Canceled);
    private static readonly Action<object?> s_onClosing = static state => ((PollWait)state!).TryComplete(PollWaitOutcome.Closing);

    private readonly PollWaits _owner;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<PollWaitOutcome> _core = new() { RunContinuationsAsynchronously = true };
    private WakeSignal? _signal;
    private long _dueTimestamp;
    private int _completed = 1;
    private CancellationTokenRegistration _canceled;
    private CancellationTokenRegistration _closing;

    public PollWait(PollWaits owner)
    {
        _owner = owner;
        _timer = owner.Time.CreateTimer(s_onTimer, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Starts waiting: enlisted with <paramref name="signal"/> unless it pulsed since <paramref name="seenPulses"/>,
    /// in which case the wait ends at once as signaled.
    /// </summary>
    public ValueTask<PollWaitOutcome> Start(WakeSignal signal, long seenPulses, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _core.Reset();
            _completed = 0;
            _signal = signal;
            _dueTimestamp = _owner.Time.GetTimestamp() + (long)(timeout.TotalSeconds * _owner.Time.TimestampFrequency);
        }

        // Lock order is the signal's, then a wait's (a pulse completes its waits under the signal's lock), so nothing
        // below runs under this wait's lock: enlisting takes the signal's, and a timer moved to a deadline already
        // passed or a token already cancelled may complete the wait inline, which takes the signal's to leave it.
        short version = _core.Version;
        if (!signal.TryEnlist(this, seenPulses))
        {
            TryComplete(PollWaitOutcome.Signaled);
            return new ValueTask<PollWaitOutcome>(this, version);
        }

        if (Volatile.Read(ref _completed) == 0)
        {
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }

        // The registrations are disposed by GetResult, which runs only after this returns the awaitable.
        _closing = _owner.Closing.UnsafeRegister(s_onClosing, this);
        if (cancellationToken.CanBeCanceled)
        {
            _canceled = cancellationToken.UnsafeRegister(s_onCanceled, this);
        }

        return new ValueTask<PollWaitOutcome>(this, version);
    }

    /// <summary>Ends the wait with <paramref name="outcome"/> unless it already ended; a pulse calls it with the signal's lock held.</summary>
    public void TryComplete(PollWaitOutcome outcome, bool fromSignal = false)
    {
        WakeSignal? signal;
        lock (_lock)
        {
            if (_completed != 0)
            {
                return;
            }

            _completed = 1;
            signal = _signal;
            _signal = null;
        }

        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        if (!fromSignal)
        {
            signal?.Remove(this); // a pulse clears its own list
        }

        _core.SetResult(outcome); // continuations run on the thread pool, never here
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_completed != 0)
            {
                return;
            }

            long early = _dueTimestamp - _owner.Time.GetTimestamp();
            if (early > 0)
            {
                // A callback of an earlier wait, or the clock's rounding: wait for this wait's deadline.
                _timer.Change(TimeSpan.FromSeconds((double)early / _owner.Time.TimestampFrequency), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        TryComplete(PollWaitOutcome.TimedOut);
    }

    PollWaitOutcome IValueTaskSource<PollWaitOutcome>.GetResult(short token)
    {
        var outcome = _core.GetResult(token);
        _canceled.Dispose();
        _closing.Dispose();
        _canceled = default;
        _closing = default;
        _owner.Return(this);
        return outcome;
    }

    ValueTaskSourceStatus IValueTaskSource<PollWaitOutcome>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<PollWaitOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Stops the timer for good (the pool is being dropped).</summary>
    public void DisposeTimer() => _timer.Dispose();
}

/// <summary>The engine's pool of <see cref="PollWait"/>s, bounded so a burst of long polls does not stay allocated.</summary>
internal sealed class PollWaits(TimeProvider time, CancellationToken closing)
{
    private const int MaxPooled = 256;
    private readonly ConcurrentQueue<PollWait> _pool = new();
    private int _pooled;

    public TimeProvider Time { get; } = time;

    public CancellationToken Closing { get; } = closing;

    /// <summary>Waits for <paramref name="signal"/> as <see cref="PollWait.Start"/> does, with a pooled instance.</summary>
    public ValueTask<PollWaitOutcome> WaitAsync(WakeSignal signal, long seenPulses, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_pool.TryDequeue(out var wait))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            wait = new PollWait(this);
        }

        return wait.Start(signal, seenPulses, timeout, cancellationToken);
    }

    public void Return(PollWait wait)
    {
        if (Interlocked.Increment(ref _pooled) <= MaxPooled && !Closing.IsCancellationRequested)
        {
            _pool.Enqueue(wait);
            return;
        }

        Interlocked.Decrement(ref _pooled);
        wait.DisposeTimer();
    }

    /// <summary>Disposes the pooled instances' timers (the engine is shutting down).</summary>
    public void Clear()
    {
        while (_pool.TryDequeue(out var wait))
        {
            Interlocked.Decrement(ref _pooled);
            wait.DisposeTimer();
        }
    }
}
