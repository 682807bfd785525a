using AgentBus.Broker.Consumption;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Queues;

/// <summary>
/// One queue: a queue of a normal topic, or the single queue of a lite topic (RocketMQ's LMQ
/// <c>%LMQ%$parent$lite</c>). Holds the compact position index, the lite subscribers and the per-group
/// consumption cursors. All mutable state is guarded by locking the queue itself.
/// </summary>
internal sealed class MessageQueue
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

    public MessageQueue(string topic, string? liteTopic, int queueId, long createdAt)
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
    public Consumption.OffsetChanges? OffsetChanges { get; init; }

    /// <summary>Set once the queue was expired or its topic deleted; holders must stop using it.</summary>
    public bool Deleted { get; set; }

    public long MinOffset { get { lock (this) { return _index.MinOffset; } } }

    public long MaxOffset { get { lock (this) { return _index.MaxOffset; } } }

    /// <summary>Lite subscribers, a copy-on-write snapshot readable without the lock.</summary>
    public SubscriberList Subscribers => new(Volatile.Read(ref _subscribers));

    /// <summary>Consumption cursors, readable without the lock.</summary>
    public IEnumerable<GroupCursor> Cursors
    {
        get
        {
            if (Volatile.Read(ref _firstCursor) is { } first)
            {
                yield return first;
            }

            if (Volatile.Read(ref _moreCursors) is { } more)
            {
                foreach (var cursor in more)
                {
                    yield return cursor;
                }
            }
        }
    }

    /// <summary>Reference equality (a queue is one object), with a hash code that does not touch the object header.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => _hash;

    public override string ToString() => LiteTopic is null ? $"{Topic}#{QueueId}" : $"{Topic}${LiteTopic}";

    // ---- index (caller holds the lock) ----

    public void AppendPositionLocked(long position) => _index.Append(position);

    public long MaxOffsetLocked => _index.MaxOffset;

    public long MinOffsetLocked => _index.MinOffset;

    public bool TryGetPositionLocked(long offset, out long position) => _index.TryGet(offset, out position);

    public void ResetIndexLocked(long offset) => _index.ResetTo(offset);

    public void TrimBeforeLocked(long offset) => _index.TrimBefore(offset);

    public long FirstOffsetAtOrAfterPositionLocked(long position) => _index.FirstOffsetAtOrAfterPosition(position);

    public int CountBelowPositionLocked(long position) => _index.CountBelowPosition(position);

    public void CopyPositionsLocked(Span<long> destination, int count) => _index.CopyTo(destination, count);

    // ---- subscribers (caller holds the lock) ----

    public bool AddSubscriberLocked(LiteSession session)
    {
        var current = Subscribers;
        if (current.Contains(session))
        {
            return false;
        }

        Volatile.Write(ref _subscribers, current.With(session));
        return true;
    }

    public bool RemoveSubscriberLocked(LiteSession session)
    {
        var current = Subscribers;
        int at = current.IndexOf(session);
        if (at < 0)
        {
            return false;
        }

        Volatile.Write(ref _subscribers, current.Without(at));
        return true;
    }

    /// <summary>Picks one live subscriber of <paramref name="group"/>, rotating between them; null when none.</summary>
    public LiteSession? PickSubscriber(string group, long now, LiteSession? except = null)
    {
        var subscribers = Subscribers;
        int n = subscribers.Count;
        if (n == 0)
        {
            return null;
        }

        uint start = Interlocked.Increment(ref _roundRobin);
        LiteSession? fallback = null;
        for (int i = 0; i < n; i++)
        {
            var candidate = subscribers[(int)((start + (uint)i) % (uint)n)];
            if (!string.Equals(candidate.Group, group, StringComparison.Ordinal) || candidate == except || candidate.Closed)
            {
                continue;
            }

            if (candidate.IsLiveAt(now))
            {
                return candidate;
            }

            fallback ??= candidate;
        }

        return fallback;
    }

    // ---- cursors ----

    /// <summary>The cursor of <paramref name="group"/> on this queue, or null.</summary>
    public GroupCursor? FindCursor(string group)
    {
        var first = Volatile.Read(ref _firstCursor);
        if (first is null || string.Equals(first.Group, group, StringComparison.Ordinal))
        {
            return first;
        }

        if (Volatile.Read(ref _moreCursors) is { } more)
        {
            foreach (var cursor in more)
            {
                if (string.Equals(cursor.Group, group, StringComparison.Ordinal))
                {
                    return cursor;
                }
            }
        }

        return null;
    }

    /// <summary>The cursor of <paramref name="group"/>, created at <paramref name="startOffset"/> when missing. Caller holds the lock.</summary>
    public GroupCursor GetOrAddCursorLocked(string group, long startOffset, out bool created)
    {
        var existing = FindCursor(group);
        if (existing is not null)
        {
            created = false;
            return existing;
        }

        var cursor = new GroupCursor(this, group, startOffset);
        if (_firstCursor is null)
        {
            Volatile.Write(ref _firstCursor, cursor);
        }
        else
        {
            Volatile.Write(ref _moreCursors, [.. _moreCursors ?? [], cursor]);
        }

        created = true;
        return cursor;
    }

    /// <summary>Adds a cursor restored from a checkpoint. Caller holds the lock.</summary>
    public void RestoreCursorLocked(string group, long committedOffset)
    {
        var cursor = FindCursor(group);
        if (cursor is null)
        {
            GetOrAddCursorLocked(group, committedOffset, out _);
        }
        else
        {
            cursor.ResetLocked(committedOffset);
        }
    }
}
