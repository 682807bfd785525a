using AgentBus.Broker.Consumption;

namespace AgentBus.Broker.Queues;

/// <summary>
/// One queue: a queue of a normal topic, or the single queue of a lite topic (RocketMQ's LMQ
/// <c>%LMQ%$parent$lite</c>); named for RocketMQ's ConsumeQueue, the per-queue index into the commit log, and not to
/// be confused with the protocol's <c>MessageQueue</c>, a queue as a route lists it. Holds the compact position index, the lite subscribers and the per-group
/// consumption cursors, and offers every operation on them (append, pop, ack, release, re-offer checks, snapshots,
/// checkpoint reads, retention), split by concern over the <c>ConsumeQueue.*.cs</c> files.
/// </summary>
/// <remarks>
/// <para><b>The queue owns its lock.</b> All mutable state (index, cursors and their in-flight entries, the subscriber
/// array's writers) is guarded by locking the queue object itself, and only the queue's own methods take that lock:
/// no code outside <c>ConsumeQueue</c> locks a queue, and <see cref="GroupCursor"/>'s <c>*Locked</c> members are called
/// only from here, under it. The lock is the object itself rather than a field because there can be a million lite
/// topics and a lock object costs 24–32 bytes each (see the hash code below for why locking stays cheap).</para>
/// <para><b>Lock order.</b> Engine-wide locks come first, then one queue's lock: the subscription registry's lock, the
/// engine's append lock (a send, a lite topic's expiry or deletion) and the offset checkpoint's lock may be held when a
/// queue method is called, never the other way round. A queue method never calls back out of the queue (no engine,
/// registry, dispatcher or scheduler code runs under its lock) and never holds two queues' locks at once. Under it run
/// only leaf work that takes no lock a queue caller could hold: the commit log's append (whose own locks are below
/// every queue's), <see cref="OffsetChanges"/> (lock-free) and the engine's delivery sequence (interlocked). Reads a
/// caller combines across several calls (e.g. a binary search over the index) are each consistent on their own only.</para>
/// <para>Subscribers and cursors are also readable without the lock: the subscriber array is copy-on-write and cursors
/// are only ever added.</para>
/// </remarks>
internal sealed partial class ConsumeQueue
{
    private PositionIndex _index;
    private object? _subscribers; // see SubscriberList
    // Cursors are only ever added; the first sits inline because most lite topics have one consuming group.
    private GroupCursor? _firstCursor;
    private GroupCursor[]? _moreCursors;
    private uint _roundRobin;

    // A queue is both locked and used as a hash key (ready sets, a client's lite topics). The runtime's identity hash
    // lives in the object header, and an object whose header holds a hash code and is then locked (or the reverse) gets
    // a native sync block: ~100 bytes more per queue, 1M queues ≈ 90 MB (harness lite-scale). A number of our own keeps
    // the header free for the lock.
    private static int s_nextHash;
    private readonly int _hash = Interlocked.Increment(ref s_nextHash);

    public ConsumeQueue(string topic, string? liteTopic, int queueId, long createdAt)
    {
        Topic = topic;
        LiteTopic = liteTopic;
        QueueId = queueId;
        LastWriteTimestamp = createdAt;
    }

    public string Topic { get; }

    public string? LiteTopic { get; }

    public int QueueId { get; }

    public bool IsLite => LiteTopic is not null;

    /// <summary>Unix milliseconds of the last append (or of creation).</summary>
    public long LastWriteTimestamp { get; set; }

    /// <summary>Where its cursors report committed offsets that moved, for the next offset checkpoint (null: not tracked).</summary>
    public OffsetChanges? OffsetChanges { get; init; }

    /// <summary>Set once the queue was expired or its topic deleted; holders must stop using it.</summary>
    public bool Deleted { get; set; }

    /// <summary>Reference equality (a queue is one object), with a hash code that does not touch the object header.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => _hash;

    public override string ToString() => LiteTopic is null ? $"{Topic}#{QueueId}" : $"{Topic}${LiteTopic}";
}
