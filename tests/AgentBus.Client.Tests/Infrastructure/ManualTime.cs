namespace AgentBus.Client.Tests.Infrastructure;

/// <summary>
/// A clock whose timers fire only when the test advances it, for periodic client work (subscription sync,
/// heartbeats); delays shorter than a tick elapse immediately so the client's other waits are not stalled.
/// </summary>
/// <remarks>
/// Kept instead of FakeTimeProvider for tests that run a whole client on it: FakeTimeProvider holds every timer until
/// it is advanced, so the client's short one-shot waits (retry backoff, reconnect delays) would stall; this
/// clock lets those run on real time and holds only the long periodic work.
/// </remarks>
internal sealed class ManualTime : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            _now += by;
            due = [.. _timers.Where(t => t.DueAt <= _now)];
        }

        foreach (var timer in due)
        {
            timer.Fire(this);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Short waits (backoff, grace periods) run on real time; long periodic work waits for Advance.
        if (dueTime != Timeout.InfiniteTimeSpan && dueTime < TimeSpan.FromSeconds(5) && period == Timeout.InfiniteTimeSpan)
        {
            return System.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTime owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset DueAt { get; private set; } = DateTimeOffset.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : owner._now + dueTime;
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }
            }

            return true;
        }

        public void Fire(ManualTime time)
        {
            lock (time._gate)
            {
                DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? DateTimeOffset.MaxValue : time._now + _period;
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
