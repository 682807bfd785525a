using System.Text;
using AgentBus.Broker.Deduplication;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// A message property (value <c>true</c>) that asks the broker to refuse a lite message whose lite topic has no
    /// live subscriber (an AgentBus extension; see docs/protocol.md).
    /// </summary>
    public const string RequireSubscriberProperty = "agentbus-require-subscriber";

    /// <summary>
    /// A message property whose value makes a lite message idempotent within <see cref="BrokerOptions.DeduplicationWindow"/>:
    /// a later message with the same value on the same lite topic is not stored, and its sender gets the first
    /// message's receipt (an AgentBus extension; see docs/protocol.md).
    /// </summary>
    public const string DeduplicationKeyProperty = "agentbus-dedupe-key";

    /// <summary>Unix milliseconds of 0001-01-01 and of the last millisecond of 9999, the range of a protobuf Timestamp.</summary>
    private const long MinTimestampMillis = -62_135_596_800_000, MaxTimestampMillis = 253_402_300_799_999;

    private int _roundRobin;

    /// <summary>
    /// Stores one message: appended once to the commit log, indexed under its queue (its lite topic's queue for a
    /// lite message), then offered to the ready sets of subscribed clients. In sync flush mode the returned task
    /// completes after the fsync that covers the message.
    /// </summary>
    public async ValueTask<SendResult> SendAsync(MessageRecord message, CancellationToken cancellationToken = default)
    {
        ValidateMessage(message);
        RequireSubscriberIfAsked(message);
        var stored = Append(message);
        if (_options.FlushMode == FlushMode.Sync)
        {
            await _log.WaitDurableAsync(stored.End, cancellationToken).ConfigureAwait(false);
        }

        return stored.Result(_options.FlushMode == FlushMode.Sync);
    }

    /// <summary>
    /// Stores several messages as one request: all of them or none. Every check that can refuse one of them (its
    /// fields, its topic's message type, a required subscriber, the lite-topic quota for every lite topic the batch
    /// would create) runs before the first is stored, so a refused batch leaves nothing behind and a client's retry
    /// cannot duplicate part of it. One durability wait covers the batch.
    /// </summary>
    public async ValueTask<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<MessageRecord> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            ValidateMessage(message);
        }

        foreach (var message in messages)
        {
            RequireSubscriberIfAsked(message);
        }

        ThrowIfDisposed();
        CheckBatchAgreesOnLite(messages);
        var topics = new TopicDefinition[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            topics[i] = Topics.ResolveForSend(messages[i].Topic, messages[i].LiteTopic is not null);
            CheckType(topics[i], messages[i]);
        }

        long now = Now();
        var queues = _queues.GetOrCreateLiteAll(messages, now);
        var results = new SendResult[messages.Count];
        long end = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            var stored = Append(messages[i], queues[i] ?? PickQueue(topics[i], messages[i], now), now);
            end = Math.Max(end, stored.End);
            results[i] = stored.Result(_options.FlushMode == FlushMode.Sync);
        }

        if (_options.FlushMode == FlushMode.Sync && end > 0)
        {
            await _log.WaitDurableAsync(end, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// Refuses a batch that sends lite and non-lite messages to one topic before that topic is auto-created from its
    /// first message, so the refusal does not leave a topic typed by half of the batch behind.
    /// </summary>
    private static void CheckBatchAgreesOnLite(IReadOnlyList<MessageRecord> messages)
    {
        // Each message is compared with the first earlier one of its topic: those already agree with each other.
        for (int i = 1; i < messages.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (!string.Equals(messages[i].Topic, messages[j].Topic, StringComparison.Ordinal))
                {
                    continue;
                }

                if ((messages[i].LiteTopic is null) != (messages[j].LiteTopic is null))
                {
                    throw new BrokerException(BrokerErrorCode.MessageTypeMismatch,
                        $"A batch sends lite and non-lite messages to topic '{messages[i].Topic}'; a topic takes one message type.");
                }

                break;
            }
        }
    }

    /// <summary>Resolves a validated message's topic and queue (refusals happen here, before anything is stored) and appends it.</summary>
    private Stored Append(MessageRecord message)
    {
        ThrowIfDisposed();
        var topic = Topics.ResolveForSend(message.Topic, message.LiteTopic is not null);
        CheckType(topic, message);
        long now = Now();
        ConsumeQueue queue = message.LiteTopic is not null
            ? _queues.GetOrCreateLite(message.Topic, message.LiteTopic, now, out _)
            : PickQueue(topic, message, now);
        return Append(message, queue, now);
    }

    /// <summary>Appends a validated message to <paramref name="queue"/> (already resolved, so nothing here refuses it).</summary>
    private Stored Append(MessageRecord message, ConsumeQueue queue, long now)
    {
        string? dedupeKey = DedupeKeyOf(message);
        AppendResult appended;
        long offset;
        // One lock orders offset assignment with log order, so every queue's index grows in log order.
        lock (_appendLock)
        {
            if (dedupeKey is not null && _deduplication.TryGet(message.Topic, message.LiteTopic!, dedupeKey, now, out var first))
            {
                // A re-send within the window: answered with the first message's receipt, nothing stored.
                return new Stored(queue, first.End, first.Offset, first.MessageId, Duplicate: true);
            }

            if (queue.Deleted && message.LiteTopic is not null)
            {
                // Expired between lookup and append (expiry holds the append lock): append to its successor, which
                // takes the slot the expired one freed, so the quota cannot refuse part of a batch at this point.
                queue = _queues.ReplaceDeletedLite(message.Topic, message.LiteTopic, now);
            }

            appended = queue.Append(_log, message, now, out offset);
            IndexMessage(message, appended.Position, now);

            if (dedupeKey is not null)
            {
                _deduplication.Add(message.Topic, message.LiteTopic!, dedupeKey,
                    new DeduplicationWindow.Stored(message.MessageId, queue.QueueId, offset, appended.EndPosition), now);
            }
        }

        if (queue.IsLite)
        {
            _dispatcher.OnLiteReady(queue);
        }
        else
        {
            _dispatcher.OnNormalArrival(queue.Topic);
        }

        return new Stored(queue, appended.EndPosition, offset, message.MessageId, Duplicate: false);
    }

    /// <summary>The deduplication key of a lite message that carries <see cref="DeduplicationKeyProperty"/>, or null.</summary>
    private static string? DedupeKeyOf(MessageRecord message) =>
        message.LiteTopic is not null && message.PropertyCount > 0 &&
        message.TryGetProperty(DeduplicationKeyProperty, out string? key) && key.Length > 0 ? key : null;

    private readonly record struct Stored(ConsumeQueue Queue, long End, long Offset, string MessageId, bool Duplicate)
    {
        public SendResult Result(bool durable) => new(MessageId, Queue.Topic, Queue.LiteTopic, Queue.QueueId, Offset, durable, Duplicate);
    }

    private ConsumeQueue PickQueue(TopicDefinition topic, MessageRecord message, long now)
    {
        var queues = _queues.GetOrCreateNormal(topic.Name, topic.QueueCount, now);
        if (message.MessageGroup is { } group)
        {
            // One message group always lands in one queue, which keeps it ordered.
            return queues[StableHash(group) % queues.Length];
        }

        return queues[(int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)queues.Length)];
    }

    private static int StableHash(string value)
    {
        // FNV-1a: stable across processes, unlike string.GetHashCode, so a group keeps its queue after a restart.
        uint hash = 2166136261;
        foreach (char c in value)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>
    /// The <see cref="RequireSubscriberProperty"/> extension: a lite message that asks for it is refused with
    /// <see cref="BrokerErrorCode.NoLiveSubscriber"/> unless a live client subscribes its lite topic (in any group),
    /// so a sender can fail fast instead of queueing for an agent nobody runs. Other brokers store the property as
    /// a plain one and queue the message.
    /// </summary>
    private void RequireSubscriberIfAsked(MessageRecord message)
    {
        if (message.LiteTopic is null || message.PropertyCount == 0 ||
            !message.TryGetProperty(RequireSubscriberProperty, out string? value) || !string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        long now = Now();
        if (_queues.TryGetLite(message.Topic, message.LiteTopic, out var queue))
        {
            var subscribers = queue.Subscribers;
            for (int i = 0; i < subscribers.Count; i++)
            {
                if (subscribers[i].IsLiveAt(now))
                {
                    return;
                }
            }
        }

        throw new BrokerException(BrokerErrorCode.NoLiveSubscriber, $"No live client subscribes lite topic '{message.LiteTopic}'.");
    }

    private void ValidateMessage(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        NameRules.ValidateTopic(message.Topic);
        if (message.LiteTopic is not null)
        {
            NameRules.ValidateLiteTopic(message.LiteTopic, _options.MaxLiteTopicLength);
            if (message.MessageGroup is not null || message.DeliveryTimestamp > 0)
            {
                throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, "A lite message cannot carry a message group or a delivery time.");
            }
        }

        // Times a protocol Timestamp can carry (0001..9999): one outside would be delivered as a Timestamp no consumer decodes.
        if (message.BornTimestamp is < MinTimestampMillis or > MaxTimestampMillis)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Born timestamp {message.BornTimestamp} ms is outside the years 0001..9999.");
        }

        if (message.DeliveryTimestamp is < 0 or > MaxTimestampMillis)
        {
            throw new BrokerException(BrokerErrorCode.IllegalDeliveryTime, $"Delivery timestamp {message.DeliveryTimestamp} ms is outside 1970..9999.");
        }

        if (string.IsNullOrEmpty(message.MessageId) || message.MessageId.Length > 128)
        {
            throw new BrokerException(BrokerErrorCode.IllegalMessageId, "A message id of 1 to 128 characters is required.");
        }

        if (message.Body.IsEmpty)
        {
            throw new BrokerException(BrokerErrorCode.MessageBodyEmpty, "A message body is required.");
        }

        if (message.Body.Length > _options.MaxMessageBodySize)
        {
            throw new BrokerException(BrokerErrorCode.MessageBodyTooLarge,
                $"Message body of {message.Body.Length} bytes exceeds the limit of {_options.MaxMessageBodySize} bytes.");
        }

        if (message.Tag is { } tag && (tag.Length == 0 || tag.Length > 1024 || tag.Contains('|', StringComparison.Ordinal) || tag.Any(char.IsWhiteSpace)))
        {
            throw new BrokerException(BrokerErrorCode.IllegalMessageTag, $"Tag '{tag}' is illegal: non-empty, no '|', no white space.");
        }

        if (message.MessageGroup is { } group && (group.Length == 0 || group.Length > 128))
        {
            throw new BrokerException(BrokerErrorCode.IllegalMessageGroup, "A message group has 1 to 128 characters.");
        }

        foreach (string key in message.Keys)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 1024)
            {
                throw new BrokerException(BrokerErrorCode.IllegalMessageKey, "Message keys have 1 to 1024 characters.");
            }
        }

        int propertiesSize = 0;
        if (!message.Stored.IsEmpty)
        {
            foreach (var (key, value) in message.Stored)
            {
                if (key.IsEmpty)
                {
                    throw new BrokerException(BrokerErrorCode.IllegalMessageProperty, "Property keys cannot be empty.");
                }

                propertiesSize += key.Length + value.Length;
            }
        }
        else
        {
            foreach (var (key, value) in message.Properties)
            {
                if (string.IsNullOrEmpty(key))
                {
                    throw new BrokerException(BrokerErrorCode.IllegalMessageProperty, "Property keys cannot be empty.");
                }

                propertiesSize += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value ?? "");
            }
        }

        if (propertiesSize > _options.MaxPropertiesSize)
        {
            throw new BrokerException(BrokerErrorCode.MessagePropertiesTooLarge,
                $"Message properties of {propertiesSize} bytes exceed the limit of {_options.MaxPropertiesSize} bytes.");
        }
    }

    private static void CheckType(TopicDefinition topic, MessageRecord message)
    {
        switch (topic.MessageType)
        {
            case TopicMessageType.Lite when message.LiteTopic is null:
                throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topic.Name}' is a lite parent topic: a lite topic is required. (With Broker:AutoCreate, a first lite subscription or lite message creates an unknown topic as a lite parent; declare a topic in Broker:Topics to fix its type.)");
            case not TopicMessageType.Lite when message.LiteTopic is not null:
                throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topic.Name}' is {topic.MessageType}: it takes no lite topic. (With Broker:AutoCreate, a first normal message or receive creates an unknown topic as a normal topic; declare a topic in Broker:Topics to fix its type.)");
            case TopicMessageType.Fifo when message.MessageGroup is null:
                throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topic.Name}' is FIFO: a message group is required.");
            case TopicMessageType.Normal when message.MessageGroup is not null:
                throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topic.Name}' is Normal: it takes no message group.");
            case TopicMessageType.Delay or TopicMessageType.Transaction:
                throw new BrokerException(BrokerErrorCode.NotSupported, $"{topic.MessageType} topics are not supported yet.");
            case TopicMessageType.Normal or TopicMessageType.Fifo when message.DeliveryTimestamp > 0:
                throw new BrokerException(BrokerErrorCode.NotSupported, "Delayed delivery is not supported yet.");
        }
    }
}
