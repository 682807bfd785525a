using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Queues;

/// <summary>
/// Every queue the broker holds: the fixed queues of normal topics and the dynamic single-queue lite topics,
/// created on first message or first subscription and bounded by the lite-topic quota.
/// </summary>
internal sealed class QueueTable(int maxLiteTopics, Consumption.OffsetChanges? offsetChanges = null)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ConsumeQueue>> _lite = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConsumeQueue[]> _normal = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();
    private int _liteCount;
    private long _quotaRefusals;

    public int LiteTopicCount => Volatile.Read(ref _liteCount);

    public int MaxLiteTopics { get; } = maxLiteTopics;

    public bool TryGetLite(string parent, string liteTopic, [NotNullWhen(true)] out ConsumeQueue? queue)
    {
        queue = null;
        return _lite.TryGetValue(parent, out var children) && children.TryGetValue(liteTopic, out queue);
    }

    /// <summary>
    /// The lite topics of a parent topic, keyed by name, or null when it has none. Enumerate it directly: that is
    /// lock-free and copies nothing, whereas its <c>Keys</c> and <c>Values</c> copy every entry.
    /// </summary>
    /// <summary>Sends and subscriptions refused because they would have created a lite topic past the quota.</summary>
    public long QuotaRefusals => Interlocked.Read(ref _quotaRefusals);

    public IReadOnlyDictionary<string, ConsumeQueue>? LiteTopicsOf(string parent) => _lite.TryGetValue(parent, out var children) ? children : null;

    /// <summary>The lite topic's queue, created when missing (refused past the lite-topic quota).</summary>
    public ConsumeQueue GetOrCreateLite(string parent, string liteTopic, long now, out bool created)
    {
        if (TryGetLite(parent, liteTopic, out var queue))
        {
            created = false;
            return queue;
        }

        lock (_createLock)
        {
            var children = _lite.GetOrAdd(parent, static _ => new ConcurrentDictionary<string, ConsumeQueue>(StringComparer.Ordinal));
            if (children.TryGetValue(liteTopic, out queue))
            {
                created = false;
                return queue;
            }

            if (_liteCount >= MaxLiteTopics)
            {
                Interlocked.Increment(ref _quotaRefusals);
                throw new BrokerException(BrokerErrorCode.LiteTopicQuotaExceeded,
                    $"The broker holds {MaxLiteTopics} lite topics, its quota; '{liteTopic}' cannot be created.");
            }

            queue = new ConsumeQueue(parent, liteTopic, 0, now) { OffsetChanges = offsetChanges };
            children[liteTopic] = queue;
            _liteCount++;
            created = true;
            return queue;
        }
    }

    /// <summary>
    /// The queue of each lite message of a batch (null for other messages), creating the missing lite topics all
    /// together: when the batch would take the broker past the lite-topic quota, none is created and the whole batch
    /// is refused, so no message of it is stored.
    /// </summary>
    public ConsumeQueue?[] GetOrCreateLiteAll(IReadOnlyList<Messages.MessageRecord> messages, long now)
    {
        var queues = new ConsumeQueue?[messages.Count];
        bool missing = false;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].LiteTopic is { } lite && !TryGetLite(messages[i].Topic, lite, out queues[i]))
            {
                missing = true;
            }
        }

        if (!missing)
        {
            return queues;
        }

        lock (_createLock)
        {
            var created = new HashSet<(string Parent, string Lite)>();
            for (int i = 0; i < messages.Count; i++)
            {
                if (messages[i].LiteTopic is { } lite && !TryGetLite(messages[i].Topic, lite, out _))
                {
                    created.Add((messages[i].Topic, lite));
                }
            }

            if (_liteCount + created.Count > MaxLiteTopics)
            {
                Interlocked.Increment(ref _quotaRefusals);
                throw new BrokerException(BrokerErrorCode.LiteTopicQuotaExceeded,
                    $"The batch would create {created.Count} lite topics; the broker holds {_liteCount} of its quota of {MaxLiteTopics}. Nothing of it was stored.");
            }

            for (int i = 0; i < messages.Count; i++)
            {
                if (messages[i].LiteTopic is { } lite)
                {
                    queues[i] = GetOrAddLiteLocked(messages[i].Topic, lite, now);
                }
            }

            return queues;
        }
    }

    /// <summary>
    /// The successor of a lite topic that expired while a message was on its way to it. The expired queue freed its
    /// slot, so the successor is not checked against the quota again: a batch already admitted is never refused half-way.
    /// </summary>
    public ConsumeQueue ReplaceDeletedLite(string parent, string liteTopic, long now)
    {
        lock (_createLock)
        {
            return GetOrAddLiteLocked(parent, liteTopic, now);
        }
    }

    /// <summary>The lite topic's queue, added without a quota check; the caller holds the create lock.</summary>
    private ConsumeQueue GetOrAddLiteLocked(string parent, string liteTopic, long now)
    {
        var children = _lite.GetOrAdd(parent, static _ => new ConcurrentDictionary<string, ConsumeQueue>(StringComparer.Ordinal));
        if (!children.TryGetValue(liteTopic, out var queue))
        {
            queue = new ConsumeQueue(parent, liteTopic, 0, now) { OffsetChanges = offsetChanges };
            children[liteTopic] = queue;
            _liteCount++;
        }

        return queue;
    }

    /// <summary>Re-creates a lite topic found in the log at start; quotas do not apply to data already stored.</summary>
    public ConsumeQueue GetOrCreateLiteForRecovery(string parent, string liteTopic, long now)
    {
        var children = _lite.GetOrAdd(parent, static _ => new ConcurrentDictionary<string, ConsumeQueue>(StringComparer.Ordinal));
        if (children.TryGetValue(liteTopic, out var queue))
        {
            return queue;
        }

        queue = new ConsumeQueue(parent, liteTopic, 0, now) { OffsetChanges = offsetChanges };
        children[liteTopic] = queue;
        _liteCount++;
        return queue;
    }

    /// <summary>Forgets every queue (recovery starting over).</summary>
    public void Clear()
    {
        lock (_createLock)
        {
            _lite.Clear();
            _normal.Clear();
            _liteCount = 0;
        }
    }

    /// <summary>The queues of a normal topic, created on first use.</summary>
    public ConsumeQueue[] GetOrCreateNormal(string topic, int queueCount, long now)
    {
        if (_normal.TryGetValue(topic, out var queues) && queues.Length >= queueCount)
        {
            return queues;
        }

        lock (_createLock)
        {
            var existing = _normal.TryGetValue(topic, out queues) ? queues : [];
            if (existing.Length >= queueCount)
            {
                return existing;
            }

            var grown = new ConsumeQueue[queueCount];
            existing.CopyTo(grown, 0);
            for (int i = existing.Length; i < queueCount; i++)
            {
                grown[i] = new ConsumeQueue(topic, null, i, now) { OffsetChanges = offsetChanges };
            }

            _normal[topic] = grown;
            return grown;
        }
    }

    public ConsumeQueue[] NormalQueues(string topic) => _normal.TryGetValue(topic, out var queues) ? queues : [];

    /// <summary>Finds the queue a receipt handle or a log record points at.</summary>
    public ConsumeQueue? Find(string topic, string? liteTopic, int queueId)
    {
        if (liteTopic is not null)
        {
            return TryGetLite(topic, liteTopic, out var lite) ? lite : null;
        }

        var queues = NormalQueues(topic);
        return (uint)queueId < (uint)queues.Length ? queues[queueId] : null;
    }

    /// <summary>The lite topic's queue named by a receipt handle, found without making strings of the names.</summary>
    public ConsumeQueue? FindLite(ReadOnlySpan<char> parent, ReadOnlySpan<char> liteTopic) =>
        _lite.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(parent, out var children)
        && children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(liteTopic, out var queue) ? queue : null;

    /// <summary>The normal topic's queue named by a receipt handle.</summary>
    public ConsumeQueue? FindNormal(ReadOnlySpan<char> topic, uint queueId) =>
        _normal.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(topic, out var queues) && queueId < (uint)queues.Length ? queues[queueId] : null;

    public IEnumerable<ConsumeQueue> AllLite() => _lite.Values.SelectMany(children => children.Values);

    public IEnumerable<ConsumeQueue> All() => AllLite().Concat(_normal.Values.SelectMany(queues => queues));

    /// <summary>Removes an expired lite topic; the queue is marked deleted so holders stop using it.</summary>
    public bool RemoveLite(ConsumeQueue queue)
    {
        lock (_createLock)
        {
            if (!_lite.TryGetValue(queue.Topic, out var children) || !children.TryRemove(new KeyValuePair<string, ConsumeQueue>(queue.LiteTopic!, queue)))
            {
                return false;
            }

            _liteCount--;
            queue.Deleted = true;
            offsetChanges?.Removed(queue);
            return true;
        }
    }

    /// <summary>Removes every queue of a topic (and every lite topic under it); returns the removed queues.</summary>
    public List<ConsumeQueue> RemoveTopic(string topic)
    {
        var removed = new List<ConsumeQueue>();
        lock (_createLock)
        {
            if (_lite.TryRemove(topic, out var children))
            {
                removed.AddRange(children.Values);
                _liteCount -= children.Count;
            }

            if (_normal.TryRemove(topic, out var queues))
            {
                removed.AddRange(queues);
            }

            // Under the lock: a queue of the same name created after this is reported to the checkpoint after the deletion.
            foreach (var queue in removed)
            {
                queue.Deleted = true;
                offsetChanges?.Removed(queue);
            }
        }

        return removed;
    }
}
