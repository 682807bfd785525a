namespace AgentBus.Broker.Consumption;

/// <summary>
/// Fires when deliveries become visible again. Holds one entry per cursor with something in flight (keyed by its
/// earliest deadline), not one per message, so memory follows the number of busy queues, not the message rate.
/// </summary>
internal sealed class InvisibilityScheduler : IDisposable
{
    private readonly PriorityQueue<GroupCursor, long> _due = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<GroupCursor, int> _onExpired;
    private readonly ITimer _timer;
    private long _timerDue = long.MaxValue;
    private bool _disposed;

    public InvisibilityScheduler(TimeProvider time, Action<GroupCursor, int> onExpired)
    {
        _time = time;
        _onExpired = onExpired;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _due.Count;
            }
        }
    }

    /// <summary>Makes sure <paramref name="cursor"/> is looked at no later than <paramref name="due"/> (Unix ms).</summary>
    public void Schedule(GroupCursor cursor, long due)
    {
        lock (_lock)
        {
            if (_disposed || due >= cursor.ScheduledDue)
            {
                return;
            }

            cursor.ScheduledDue = due;
            _due.Enqueue(cursor, due);
            if (due < _timerDue)
            {
                Arm(due);
            }
        }
    }

    private void Fire()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        List<GroupCursor> ready = [];
        lock (_lock)
        {
            _timerDue = long.MaxValue;
            while (_due.TryPeek(out var cursor, out long due) && due <= now)
            {
                _due.Dequeue();
                if (cursor.ScheduledDue <= now)
                {
                    cursor.ScheduledDue = long.MaxValue;
                    ready.Add(cursor);
                }
            }
        }

        foreach (var cursor in ready)
        {
            long next = cursor.Queue.Expire(cursor, now, out int expired);

            if (next != long.MaxValue)
            {
                Schedule(cursor, next);
            }

            if (expired > 0)
            {
                _onExpired(cursor, expired);
            }
        }

        lock (_lock)
        {
            if (!_disposed && _due.TryPeek(out _, out long nextDue) && nextDue < _timerDue)
            {
                Arm(nextDue);
            }
        }
    }

    private void Arm(long due)
    {
        _timerDue = due;
        // At least 1 ms: a zero delay may fire synchronously inside Change, re-entering while the lock is held.
        long delay = Math.Max(1, due - _time.GetUtcNow().ToUnixTimeMilliseconds());
        _timer.Change(TimeSpan.FromMilliseconds(delay), Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }
}
