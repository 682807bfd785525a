using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// What one consumer group has consumed of one queue, with pop semantics: offsets below
/// <see cref="CommittedOffset"/> are acknowledged; offsets in [CommittedOffset, PopOffset) are in flight, acked, or
/// waiting for redelivery; offsets from PopOffset on were never delivered.
/// </summary>
/// <remarks>
/// The queue's inner part: guarded by its queue's lock, which only <see cref="ConsumeQueue"/> takes. The
/// <c>*Locked</c> members are called by the queue's operations (pop, ack, expiry, release, reset, retention) under that
/// lock and by nothing else; code outside the queue reads a cursor's position through the queue (see
/// <see cref="ConsumeQueue.ReadOffsets(string, out CursorPosition?)"/>).
/// </remarks>
internal sealed class GroupCursor
{
    // Allocated only while something is in flight: an idle cursor (most lite topics) stays small.
    private InflightState? _state;
    private bool _checkpointPending; // queued in the queue's OffsetChanges, not yet written by a checkpoint

    public GroupCursor(ConsumeQueue queue, string group, long startOffset)
    {
        Queue = queue;
        Group = group;
        CommittedOffset = startOffset;
        PopOffset = startOffset;
        CommittedMoved(); // a new cursor is a new offset to persist
    }

    public ConsumeQueue Queue { get; }

    public string Group { get; }

    /// <summary>Every offset below is acknowledged (the offset that survives a restart).</summary>
    public long CommittedOffset { get; private set; }

    /// <summary>The next offset that was never delivered.</summary>
    public long PopOffset { get; private set; }

    /// <summary>Earliest invisibility deadline registered with the scheduler (ms), or long.MaxValue.</summary>
    public long ScheduledDue { get; set; } = long.MaxValue;

    public int InflightCount => _state?.Entries.Count ?? 0;

    public int RetryCount => _state?.Retry?.Count ?? 0;

    /// <summary>Messages not yet acknowledged, including those never delivered.</summary>
    public long BacklogLocked(long maxOffset) => Math.Max(0, maxOffset - CommittedOffset);

    /// <summary>Whether a pop would return something now.</summary>
    public bool HasDeliverableLocked(bool fifo)
    {
        if (fifo && _state is { Active: > 0 })
        {
            return false;
        }

        return RetryCount > 0 || PopOffset < Queue.MaxOffsetLocked;
    }

    /// <summary>
    /// Picks up to <paramref name="max"/> offsets to deliver: redeliveries first (in offset order), then new
    /// messages. FIFO: nothing while a batch is in flight, and no new messages while redeliveries wait.
    /// </summary>
    public int TakeLocked(int max, bool fifo, List<(long Offset, int Attempt)> taken)
    {
        if (fifo && _state is { Active: > 0 })
        {
            return 0;
        }

        int count = 0;
        if (_state?.Retry is { Count: > 0 } retry)
        {
            while (count < max && retry.Count > 0)
            {
                long offset = retry.Min;
                retry.Remove(offset);
                var entry = _state.Entries[offset];
                taken.Add((offset, entry.Suspended ? entry.Attempt : entry.Attempt + 1));
                count++;
            }

            if (fifo)
            {
                return count;
            }
        }

        long maxOffset = Queue.MaxOffsetLocked;
        while (count < max && PopOffset < maxOffset)
        {
            taken.Add((PopOffset, 1));
            PopOffset++;
            count++;
        }

        return count;
    }

    /// <summary>Records a delivery of <paramref name="offset"/> as in flight until <paramref name="invisibleUntil"/>.</summary>
    public void MarkInflightLocked(long offset, int attempt, long invisibleUntil, long deliverySeq, object? holder = null)
    {
        _state ??= new InflightState();
        _state.Entries[offset] = new InflightEntry(attempt, invisibleUntil, deliverySeq, Suspended: false, AwaitingRetry: false, holder);
        _state.Active++;
    }

    /// <summary>
    /// Acknowledges one delivery. False when the handle's delivery is no longer the current one (the message was
    /// redelivered, or already acknowledged).
    /// </summary>
    public bool AckLocked(long offset, long deliverySeq)
    {
        if (_state is null || !_state.Entries.TryGetValue(offset, out var entry) || entry.DeliverySeq != deliverySeq)
        {
            return false;
        }

        RemoveLocked(offset, entry);
        return true;
    }

    /// <summary>Removes an entry taken for redelivery that goes to the dead-letter queue instead.</summary>
    public void DropLocked(long offset)
    {
        if (_state is not null && _state.Entries.TryGetValue(offset, out var entry))
        {
            RemoveLocked(offset, entry);
        }
    }

    /// <summary>
    /// Moves the invisibility deadline of a delivery; returns the new delivery sequence, or -1 when stale. With
    /// <paramref name="handBack"/> the client gave the message back (a nack or a release): it no longer holds it, so
    /// its leaving does not release it a second time (which would drop the attempt the nack counts).
    /// </summary>
    public long ChangeInvisibleLocked(long offset, long deliverySeq, long invisibleUntil, bool suspend, long newSeq, bool handBack = false)
    {
        if (_state is null || !_state.Entries.TryGetValue(offset, out var entry) || entry.DeliverySeq != deliverySeq || entry.AwaitingRetry)
        {
            return -1;
        }

        _state.Entries[offset] = entry with
        {
            InvisibleUntil = invisibleUntil,
            DeliverySeq = newSeq,
            Suspended = suspend,
            Holder = handBack ? null : entry.Holder,
        };
        return newSeq;
    }

    /// <summary>Turns deliveries whose invisibility ended by <paramref name="now"/> into redeliveries; returns the next deadline.</summary>
    public long ExpireLocked(long now, out int expired)
    {
        expired = 0;
        long next = long.MaxValue;
        if (_state is null)
        {
            return next;
        }

        List<long>? due = null;
        foreach (var (offset, entry) in _state.Entries)
        {
            if (entry.AwaitingRetry)
            {
                continue;
            }

            if (entry.InvisibleUntil <= now)
            {
                (due ??= []).Add(offset);
            }
            else if (entry.InvisibleUntil < next)
            {
                next = entry.InvisibleUntil;
            }
        }

        if (due is not null)
        {
            _state.Retry ??= [];
            foreach (long offset in due)
            {
                _state.Entries[offset] = _state.Entries[offset] with { AwaitingRetry = true };
                _state.Retry.Add(offset);
                _state.Active--;
            }

            expired = due.Count;
        }

        return next;
    }

    /// <summary>
    /// Makes every delivery held by <paramref name="holder"/> (a client that left) deliverable again at once, without
    /// counting an attempt: it may never have reached the client. Returns how many.
    /// </summary>
    public int ReleaseHeldByLocked(object holder)
    {
        if (_state is null)
        {
            return 0;
        }

        List<long>? held = null;
        foreach (var (offset, entry) in _state.Entries)
        {
            if (!entry.AwaitingRetry && ReferenceEquals(entry.Holder, holder))
            {
                (held ??= []).Add(offset);
            }
        }

        if (held is null)
        {
            return 0;
        }

        _state.Retry ??= [];
        foreach (long offset in held)
        {
            _state.Entries[offset] = _state.Entries[offset] with { AwaitingRetry = true, Suspended = true };
            _state.Retry.Add(offset);
            _state.Active--;
        }

        return held.Count;
    }

    /// <summary>Deliveries in flight (not waiting for redelivery) held by <paramref name="holder"/>.</summary>
    public int HeldByLocked(object holder)
    {
        int held = 0;
        if (_state is not null)
        {
            foreach (var entry in _state.Entries.Values)
            {
                if (!entry.AwaitingRetry && ReferenceEquals(entry.Holder, holder))
                {
                    held++;
                }
            }
        }

        return held;
    }

    /// <summary>Forgets all in-flight state and restarts consumption at <paramref name="offset"/>.</summary>
    public void ResetLocked(long offset)
    {
        _state = null;
        CommittedOffset = offset;
        PopOffset = offset;
        CommittedMoved();
    }

    /// <summary>The offset to persist, taken by a checkpoint: the next move queues the cursor again.</summary>
    public long TakeForCheckpointLocked()
    {
        _checkpointPending = false;
        return CommittedOffset;
    }

    /// <summary>Queues the cursor for the next checkpoint, once.</summary>
    public void CommittedMovedLocked() => CommittedMoved();

    /// <summary>Moves the cursor forward past offsets trimmed from the queue.</summary>
    public void SkipBelowLocked(long minOffset)
    {
        if (CommittedOffset >= minOffset)
        {
            return;
        }

        if (_state is not null)
        {
            foreach (long offset in _state.Entries.Keys.Where(o => o < minOffset).ToArray())
            {
                RemoveLocked(offset, _state.Entries[offset]);
            }
        }

        if (PopOffset < minOffset)
        {
            PopOffset = minOffset;
        }

        AdvanceCommitted();
        if (CommittedOffset < minOffset)
        {
            CommittedOffset = minOffset;
            CommittedMoved();
        }
    }

    private void RemoveLocked(long offset, InflightEntry entry)
    {
        _state!.Entries.Remove(offset);
        if (entry.AwaitingRetry)
        {
            _state.Retry?.Remove(offset);
        }
        else
        {
            _state.Active--;
        }

        if (offset == CommittedOffset)
        {
            AdvanceCommitted();
        }
    }

    private void AdvanceCommitted()
    {
        long committed = CommittedOffset;
        while (committed < PopOffset && (_state is null || !_state.Entries.ContainsKey(committed)))
        {
            committed++;
        }

        if (committed != CommittedOffset)
        {
            CommittedOffset = committed;
            CommittedMoved();
        }

        if (_state is { Entries.Count: 0 })
        {
            _state = null;
        }
    }

    private void CommittedMoved()
    {
        if (!_checkpointPending && Queue.OffsetChanges is { Tracking: true } changes)
        {
            _checkpointPending = true;
            changes.Moved(this);
        }
    }

    private sealed class InflightState
    {
        public Dictionary<long, InflightEntry> Entries { get; } = [];

        /// <summary>Offsets whose invisibility ended, waiting for redelivery, lowest first.</summary>
        public SortedSet<long>? Retry { get; set; }

        /// <summary>Entries in flight and still invisible (not waiting for redelivery).</summary>
        public int Active { get; set; }
    }

    // Holder: the lite client the delivery went to (released at once if it leaves), or null.
    private readonly record struct InflightEntry(int Attempt, long InvisibleUntil, long DeliverySeq, bool Suspended, bool AwaitingRetry, object? Holder = null);
}
