using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// Changes the lite subscriptions of client <paramref name="clientId"/> of <paramref name="group"/> on parent
    /// <paramref name="topic"/>. Lite topics are created on first subscription; quotas count net new references.
    /// An explicit <paramref name="offsetOption"/> (other than Last) moves the group's position on the listed lite topics.
    /// </summary>
    public SyncLiteSubscriptionResult SyncLiteSubscription(string clientId, string group, string topic, LiteSyncAction action,
        IReadOnlyCollection<string> liteTopics, long version = 0, StartPosition? offsetOption = null)
    {
        ThrowIfDisposed();
        return _registry.Sync(clientId, group, topic, action, liteTopics, version, offsetOption);
    }

    /// <summary>The lite topics a client subscribes to.</summary>
    public IReadOnlyList<string> LiteSubscriptionsOf(string clientId) =>
        _registry.Find(clientId) is { } session ? [.. _registry.Snapshot(session).Select(q => q.LiteTopic!)] : [];

    /// <summary>Ready-set size of a client (lite topics with pending events).</summary>
    public int ReadySetSize(string clientId) => _registry.Find(clientId)?.Ready.Count ?? 0;

    /// <summary>Messages of a lite topic that <paramref name="group"/> has not acknowledged; null when the lite topic does not exist.</summary>
    public long? LiteBacklog(string topic, string liteTopic, string group)
    {
        if (!_queues.TryGetLite(topic, liteTopic, out var queue))
        {
            return null;
        }

        return queue.Backlog(group);
    }

    /// <summary>Offsets of a lite topic: first stored, next to be written, and <paramref name="group"/>'s committed one.</summary>
    public (long Min, long Max, long? Committed)? LiteOffsets(string topic, string liteTopic, string group)
    {
        if (!_queues.TryGetLite(topic, liteTopic, out var queue))
        {
            return null;
        }

        var offsets = queue.ReadOffsets(group, out var position);
        return (offsets.Min, offsets.Max, position?.CommittedOffset);
    }

    private long ResolveStartOffset(ConsumeQueue queue, ConsumerGroupDefinition group, StartPosition option)
    {
        var (min, max, _) = queue.ReadOffsets(group.Name, out var position);
        return option.Policy switch
        {
            StartPolicy.Last => position?.CommittedOffset ?? min,
            StartPolicy.Min => min,
            StartPolicy.Max => max,
            StartPolicy.Offset => Math.Clamp(option.Value, min, max),
            StartPolicy.TailN => Math.Max(min, max - option.Value),
            StartPolicy.Timestamp => FirstOffsetAtOrAfter(queue, option.Value),
            _ => throw new BrokerException(BrokerErrorCode.IllegalOffset, $"Unknown offset policy {option.Policy}."),
        };
    }

    /// <summary>Binary search over the queue for the first message stored at or after <paramref name="timestamp"/> (store times grow with offsets).</summary>
    private long FirstOffsetAtOrAfter(ConsumeQueue queue, long timestamp)
    {
        var (low, high, _) = queue.ReadOffsets();
        while (low < high)
        {
            long mid = low + ((high - low) / 2);
            if (!queue.TryGetPosition(mid, out long position))
            {
                low = mid + 1;
                continue;
            }

            if (_log.TryReadHeader(position, out RecordHeader header) && header.StoreTimestamp >= timestamp)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }
}
