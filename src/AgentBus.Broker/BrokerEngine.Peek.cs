using AgentBus.Broker.Errors;
using AgentBus.Broker.Lite;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>The most messages one <see cref="PeekLiteTopic"/> returns.</summary>
    public const int MaxPeekCount = 1000;

    // A page's bodies add up to at most this (it holds at least one message, which may be larger), so a peek of large messages
    // stays a reasonable gRPC response.
    internal const int PeekBodyBudget = 4 * 1024 * 1024;

    /// <summary>
    /// Reads stored messages of one lite topic from <paramref name="fromOffset"/> on, without consuming them: no group
    /// position moves, nothing becomes invisible, no subscription is needed. An audit trail, a session's history, a
    /// dashboard's peek.
    /// </summary>
    /// <param name="parentTopic">The lite parent topic.</param>
    /// <param name="liteTopic">The lite topic; one that does not exist (never written, or expired) reads as empty.</param>
    /// <param name="fromOffset">The first offset to read; below the first stored one, reading starts there.</param>
    /// <param name="maxCount">At most this many messages, 1 to <see cref="MaxPeekCount"/>; fewer when their bodies would pass 4 MiB.</param>
    /// <returns>The messages and the lite topic's offsets.</returns>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.BadRequest"/> for a negative offset or a count out of range,
    /// <see cref="BrokerErrorCode.TopicNotFound"/> for an unknown parent, <see cref="BrokerErrorCode.MessageTypeMismatch"/>
    /// for a topic that is not a lite parent.
    /// </exception>
    public LiteTopicMessages PeekLiteTopic(string parentTopic, string liteTopic, long fromOffset, int maxCount)
    {
        ThrowIfDisposed();
        if (fromOffset < 0)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The offset {fromOffset} is negative.");
        }

        if (maxCount is < 1 or > MaxPeekCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The count {maxCount} is out of range 1..{MaxPeekCount}.");
        }

        if (!Topics.TryGetTopic(parentTopic, out var topic))
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{parentTopic}' does not exist.");
        }

        if (topic.MessageType != TopicMessageType.Lite)
        {
            throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{parentTopic}' is {topic.MessageType}, not a lite parent topic.");
        }

        if (!_queues.TryGetLite(parentTopic, liteTopic, out var queue))
        {
            return new LiteTopicMessages([], 0, 0, fromOffset);
        }

        return ReadStored(queue, fromOffset, maxCount);
    }

    /// <summary>
    /// Reads stored messages of one queue of a normal, FIFO, delay or transaction topic from <paramref name="fromOffset"/>
    /// on, without consuming them, as <see cref="PeekLiteTopic"/> reads a lite topic.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="queueId">The queue, 0 to the topic's queue count - 1.</param>
    /// <param name="fromOffset">The first offset to read; below the first stored one, reading starts there.</param>
    /// <param name="maxCount">At most this many messages, 1 to <see cref="MaxPeekCount"/>; fewer when their bodies would pass 4 MiB.</param>
    /// <returns>The messages and the queue's offsets.</returns>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.BadRequest"/> for a negative offset, a count or queue out of range,
    /// <see cref="BrokerErrorCode.TopicNotFound"/> for an unknown topic, <see cref="BrokerErrorCode.MessageTypeMismatch"/>
    /// for a lite parent (its messages are in its lite topics).
    /// </exception>
    public LiteTopicMessages PeekQueue(string topic, int queueId, long fromOffset, int maxCount)
    {
        ThrowIfDisposed();
        if (fromOffset < 0)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The offset {fromOffset} is negative.");
        }

        if (maxCount is < 1 or > MaxPeekCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The count {maxCount} is out of range 1..{MaxPeekCount}.");
        }

        if (!Topics.TryGetTopic(topic, out var definition))
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{topic}' does not exist.");
        }

        if (definition.MessageType == TopicMessageType.Lite)
        {
            throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topic}' is a lite parent: peek its lite topics instead.");
        }

        if (queueId < 0 || queueId >= definition.QueueCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Topic '{topic}' has queues 0..{definition.QueueCount - 1}, not {queueId}.");
        }

        var queues = _queues.NormalQueues(topic);
        return queueId < queues.Length ? ReadStored(queues[queueId], fromOffset, maxCount) : new LiteTopicMessages([], 0, 0, fromOffset);
    }

    /// <summary>Reads stored messages of a queue from an offset on (at most a count, and a body budget), moving nothing.</summary>
    private LiteTopicMessages ReadStored(Queues.ConsumeQueue queue, long fromOffset, int maxCount)
    {
        var positions = new List<long>(Math.Min(maxCount, 64));
        long start = queue.ReadPositions(fromOffset, maxCount, positions, out long min, out long max);

        var messages = new List<MessageRecord>(positions.Count);
        long bodies = 0;
        foreach (long position in positions)
        {
            // Retention may have removed the segment since the positions were taken: the page ends there.
            if (!_log.TryRead(position, out var record) || (messages.Count > 0 && bodies + record.Body.Length > PeekBodyBudget))
            {
                break;
            }

            messages.Add(record);
            bodies += record.Body.Length;
        }

        long next = messages.Count > 0 ? messages[^1].QueueOffset + 1 : Math.Max(fromOffset, start);
        return new LiteTopicMessages(messages, min, max, next);
    }
}
