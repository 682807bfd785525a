using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Dispatch;

/// <summary>What happened to an offered lite topic.</summary>
internal enum OfferOutcome
{
    /// <summary>Added; a waiting receive was woken.</summary>
    Added,
    /// <summary>Already waiting in the set.</summary>
    AlreadyPresent,
    /// <summary>The set is full; the caller schedules a full dispatch.</summary>
    Overflow,
}

/// <summary>
/// One client's set of lite topics that have messages to deliver: deduplicated, FIFO, bounded. A receive takes a
/// topic out <em>before</em> reading it, so an offer that races with the read re-adds the topic instead of being
/// swallowed by de-duplication — a lite topic never stalls with messages pending.
/// </summary>
internal sealed class ReadySet(int capacity)
{
    private readonly Queue<ConsumeQueue> _order = new();
    private readonly HashSet<ConsumeQueue> _members = []; // ConsumeQueue's own hash: see its _hash
    private readonly Lock _lock = new();
    private readonly WakeSignal _offered = new();

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _members.Count;
            }
        }
    }

    public OfferOutcome Offer(ConsumeQueue queue)
    {
        lock (_lock)
        {
            if (_members.Contains(queue))
            {
                return OfferOutcome.AlreadyPresent;
            }

            if (_members.Count >= Capacity)
            {
                return OfferOutcome.Overflow;
            }

            _members.Add(queue);
            _order.Enqueue(queue);
        }

        // Outside the set's lock: a receive that found the set empty registered its wait under that lock.
        _offered.Pulse();
        return OfferOutcome.Added;
    }

    public bool TryTake(out ConsumeQueue queue)
    {
        lock (_lock)
        {
            if (_order.TryDequeue(out queue!))
            {
                _members.Remove(queue);
                return true;
            }

            return false;
        }
    }

    /// <summary>Takes everything (used when the client goes away, to move events to other clients).</summary>
    public List<ConsumeQueue> Drain()
    {
        lock (_lock)
        {
            var all = new List<ConsumeQueue>(_order);
            _order.Clear();
            _members.Clear();
            return all;
        }
    }

    /// <summary>Signals each successful offer (and <see cref="WakeAll"/>).</summary>
    public WakeSignal Offered => _offered;

    /// <summary>
    /// Null when something is ready now, else the count of <see cref="Offered"/>'s pulses to wait past: an offer
    /// adds under the set's lock and pulses after, so a wait enlisted with this count misses none.
    /// </summary>
    public long? PulsesIfEmpty()
    {
        lock (_lock)
        {
            // Lock order: the set's, then the signal's (Pulses only reads).
            return _order.Count > 0 ? null : _offered.Pulses;
        }
    }

    /// <summary>Wakes every waiting receive without adding anything (client closed).</summary>
    public void WakeAll() => _offered.Pulse();
}
