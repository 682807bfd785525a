using AgentBus.Broker.Errors;
using AgentBus.Broker.Inspection;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// Moves <paramref name="group"/>'s position on one lite topic: to its first stored message
    /// (<see cref="StartPolicy.Min"/>), its end (<see cref="StartPolicy.Max"/>) or <paramref name="offset"/>
    /// (<see cref="StartPolicy.Offset"/>). The group's in-flight deliveries there are forgotten (their receipt handles
    /// no longer acknowledge anything) and its subscribed clients are offered the lite topic again.
    /// </summary>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.TopicNotFound"/> for an unknown parent or lite topic, <see cref="BrokerErrorCode.ConsumerGroupNotFound"/>
    /// for an unknown group, <see cref="BrokerErrorCode.PreconditionFailed"/> for a group bound to another topic,
    /// <see cref="BrokerErrorCode.IllegalOffset"/> for an offset outside the stored range or another policy.
    /// </exception>
    public LiteOffsetReset ResetLiteOffset(string parentTopic, string liteTopic, string group, StartPolicy policy, long offset = 0)
    {
        ThrowIfDisposed();
        RequireLiteParent(parentTopic);
        if (!Topics.TryGetGroup(group, out var definition))
        {
            throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{group}' does not exist.");
        }

        if (!string.Equals(definition.BindTopic, parentTopic, StringComparison.Ordinal))
        {
            throw new BrokerException(BrokerErrorCode.PreconditionFailed,
                $"Consumer group '{group}' is bound to {(definition.BindTopic is null ? "no lite topic" : $"topic '{definition.BindTopic}'")}, not '{parentTopic}'.");
        }

        var queue = RequireLiteTopic(parentTopic, liteTopic);
        // The target is picked from the stored range in the same critical section that moves the cursor.
        long target = queue.ResetCursor(group, (policy, offset, liteTopic), static (request, min, max) => request.policy switch
        {
            StartPolicy.Min => min,
            StartPolicy.Max => max,
            StartPolicy.Offset when request.offset >= min && request.offset <= max => request.offset,
            StartPolicy.Offset => throw new BrokerException(BrokerErrorCode.IllegalOffset,
                $"Offset {request.offset} is outside lite topic '{request.liteTopic}''s stored range {min}..{max}."),
            _ => throw new BrokerException(BrokerErrorCode.IllegalOffset, $"A reset goes to Min, Max or an Offset, not {request.policy}."),
        }, out long? previous, out long min, out long max);

        _dispatcher.OnLiteReady(queue, group);
        EngineLog.OffsetReset(_logger, group, parentTopic, liteTopic, previous, target);
        return new LiteOffsetReset(previous, target, min, max);
    }

    /// <summary>
    /// Deletes one lite topic now, as its TTL would: its index goes, its messages are no longer reachable, and a
    /// tombstone in the log keeps it deleted across a restart. A later message or subscription creates it anew.
    /// </summary>
    /// <returns>How many stored messages it held.</returns>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.TopicNotFound"/> for an unknown parent or lite topic, <see cref="BrokerErrorCode.MessageTypeMismatch"/>
    /// for a topic that is not a lite parent, <see cref="BrokerErrorCode.PreconditionFailed"/> while a client subscribes it.
    /// </exception>
    public long DeleteLiteTopic(string parentTopic, string liteTopic)
    {
        ThrowIfDisposed();
        RequireLiteParent(parentTopic);
        var queue = RequireLiteTopic(parentTopic, liteTopic);
        long dropped;
        lock (_appendLock)
        {
            // Under the append lock, as in expiry: no message lands while the tombstone is written.
            int subscribers = queue.Subscribers.Count;
            if (subscribers > 0)
            {
                throw new BrokerException(BrokerErrorCode.PreconditionFailed,
                    $"Lite topic '{liteTopic}' has {subscribers} subscribing client(s); it can be deleted once none subscribes it.");
            }

            if (!_queues.RemoveLite(queue))
            {
                throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Lite topic '{liteTopic}' does not exist under '{parentTopic}'.");
            }

            var stored = queue.ReadOffsets();
            long next = stored.Max;
            dropped = stored.Count;

            _log.Append(new MessageRecord { Topic = queue.Topic, LiteTopic = queue.LiteTopic, QueueId = TombstoneQueueId, MessageId = "-" }, next, Now());
        }

        EngineLog.LiteTopicDeleted(_logger, parentTopic, liteTopic, dropped);
        return dropped;
    }
}
