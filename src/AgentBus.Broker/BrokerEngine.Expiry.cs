using AgentBus.Broker.Messages;
using AgentBus.Broker.Queues;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// Deletes lite topics whose TTL (from the last write) has passed and that nobody subscribes to. By default a
    /// lite topic that still holds messages a bound group has not acknowledged is kept
    /// (<see cref="BrokerOptions.ExpireLiteTopicsWithBacklog"/>). Returns how many were deleted.
    /// </summary>
    public int ExpireLiteTopics()
    {
        ThrowIfDisposed();
        long now = Now();
        int expired = 0;
        var boundGroups = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var queue in _queues.AllLite())
        {
            if (!boundGroups.TryGetValue(queue.Topic, out var groups))
            {
                groups = [.. Topics.GroupsBoundTo(queue.Topic).Select(g => g.Name)];
                boundGroups[queue.Topic] = groups;
            }

            if (!IsExpired(queue, now, groups))
            {
                continue;
            }

            lock (_appendLock)
            {
                // Re-check under the append lock: no message can land while the tombstone is written.
                if (!IsExpired(queue, now, groups) || !_queues.RemoveLite(queue))
                {
                    continue;
                }

                long next = queue.MaxOffset;
                // A tombstone in the log keeps the lite topic deleted when indexes are rebuilt at restart.
                _log.Append(new MessageRecord { Topic = queue.Topic, LiteTopic = queue.LiteTopic, QueueId = TombstoneQueueId, MessageId = "-" }, next, now);
            }

            expired++;
        }

        if (expired > 0)
        {
            EngineLog.LiteTopicsExpired(_logger, expired);
        }

        return expired;
    }

    private bool IsExpired(ConsumeQueue queue, long now, string[] boundGroups)
    {
        if (queue.Deleted || queue.Subscribers.Count > 0)
        {
            return false;
        }

        var ttl = Topics.TryGetTopic(queue.Topic, out var topic) && topic.LiteTopicTtl is { } own ? own : _options.LiteTopicTtl;
        if (now - queue.LastWriteTimestamp < (long)ttl.TotalMilliseconds)
        {
            return false;
        }

        // Some group bound to the parent topic has not acknowledged everything in the lite topic.
        return _options.ExpireLiteTopicsWithBacklog || !queue.HasUnconsumed(boundGroups);
    }
}
