using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>Name of a group's dead-letter topic.</summary>
    public static string DeadLetterTopic(string group) => "%DLQ%" + group;

    /// <summary>
    /// Acknowledges one delivery: the message is consumed for <paramref name="group"/> and the group's committed
    /// offset moves past every acknowledged message. A FIFO lite topic freed by the ack is dispatched again.
    /// </summary>
    public void Ack(string group, string receiptHandle)
    {
        ThrowIfDisposed();
        var handle = _handles.Decode(receiptHandle, _queues);
        var (queue, cursor) = Locate(group, handle);
        bool fifo = Topics.TryGetGroup(group, out var definition) && definition.Fifo;
        if (!queue.Ack(cursor, handle.Offset, handle.DeliverySeq, fifo, out bool freed))
        {
            throw Expired();
        }

        if (freed)
        {
            Redispatch(queue, group);
        }
    }

    /// <summary>
    /// Moves a delivery's invisibility deadline. With <paramref name="suspend"/> the next delivery does not count
    /// as an attempt. With <paramref name="handBack"/> the consumer gave the message back (a client's own call, as
    /// opposed to the broker renewing it for the consumer): the consumer leaving later does not release it again.
    /// Returns the new receipt handle (the old one stops working).
    /// </summary>
    public string ChangeInvisibleDuration(string group, string receiptHandle, TimeSpan invisibleDuration, bool suspend = false, bool handBack = false)
    {
        ThrowIfDisposed();
        if (invisibleDuration < TimeSpan.Zero || invisibleDuration > _options.MaxInvisibleDuration)
        {
            throw new BrokerException(BrokerErrorCode.IllegalInvisibleTime, $"Invisible duration {invisibleDuration} is outside 0..{_options.MaxInvisibleDuration}.");
        }

        var handle = _handles.Decode(receiptHandle, _queues);
        var (queue, cursor) = Locate(group, handle);
        long until = Now() + (long)invisibleDuration.TotalMilliseconds;
        long seq = Interlocked.Increment(ref _deliverySeq);
        if (!queue.ChangeInvisible(cursor, handle.Offset, handle.DeliverySeq, until, suspend, seq, handBack))
        {
            throw Expired();
        }

        _invisibility.Schedule(cursor, until);
        return _handles.Encode(queue, handle.Offset, seq);
    }

    /// <summary>Sends a delivered message to the group's dead-letter topic and acknowledges it.</summary>
    public void ForwardToDeadLetter(string group, string receiptHandle)
    {
        ThrowIfDisposed();
        var handle = _handles.Decode(receiptHandle, _queues);
        var (queue, _) = Locate(group, handle);
        if (!queue.TryGetPosition(handle.Offset, out long position))
        {
            throw Expired();
        }

        DeadLetter(group, position);
        Ack(group, receiptHandle);
    }

    private (ConsumeQueue Queue, GroupCursor Cursor) Locate(string group, in ReceiptHandle handle)
    {
        var queue = handle.Queue;
        var cursor = queue?.FindCursor(group);
        if (queue is null || cursor is null)
        {
            throw new BrokerException(BrokerErrorCode.InvalidReceiptHandle,
                $"Receipt handle does not match a delivery of group '{group}' (the lite topic may have expired).");
        }

        return (queue, cursor);
    }

    private static BrokerException Expired() =>
        new(BrokerErrorCode.InvalidReceiptHandle, "Receipt handle expired: the message was acknowledged or redelivered since.");

    private void DeadLetter(string group, long position)
    {
        if (!_log.TryRead(position, out var original))
        {
            EngineLog.UnreadableDeadLetter(_logger, position);
            return;
        }

        string topic = DeadLetterTopic(group);
        // Created by the first dead letter, once even when several of the group's messages run out of attempts together.
        Topics.GetOrCreateTopic(new TopicDefinition(topic, TopicMessageType.Normal, QueueCount: 1));

        var properties = new Dictionary<string, string>(original.Properties)
        {
            ["DLQ_ORIGIN_TOPIC"] = original.Topic,
            ["DLQ_ORIGIN_MESSAGE_ID"] = original.MessageId,
        };
        if (original.LiteTopic is not null)
        {
            properties["DLQ_ORIGIN_LITE_TOPIC"] = original.LiteTopic;
        }

        var copy = new MessageRecord
        {
            Topic = topic,
            MessageId = original.MessageId,
            Tag = original.Tag,
            Keys = original.Keys,
            BornTimestamp = original.BornTimestamp,
            BornHost = original.BornHost,
            ReconsumeTimes = original.ReconsumeTimes + 1,
            Properties = properties,
            Body = original.Body,
        };
        Append(copy);
    }

    private void OnInvisibilityExpired(GroupCursor cursor, int expired) => Redispatch(cursor.Queue, cursor.Group);

    private void Redispatch(ConsumeQueue queue, string group)
    {
        if (queue.IsLite)
        {
            _dispatcher.OnLiteReady(queue, group);
        }
        else
        {
            _dispatcher.OnNormalArrival(queue.Topic);
        }
    }

    private bool HasDeliverable(ConsumeQueue queue, string group)
    {
        bool fifo = Topics.TryGetGroup(group, out var definition) && definition.Fifo;
        return queue.HasDeliverable(group, fifo);
    }
}
