namespace AgentBus.Broker.Errors;

/// <summary>
/// Why the engine refused an operation. Each value has one counterpart in the RocketMQ v5 status codes;
/// the server owns that mapping.
/// </summary>
public enum BrokerErrorCode
{
    /// <summary>Generic malformed request.</summary>
    BadRequest,
    /// <summary>Topic name is not valid.</summary>
    IllegalTopic,
    /// <summary>Consumer group name is not valid.</summary>
    IllegalConsumerGroup,
    /// <summary>Message tag is not valid.</summary>
    IllegalMessageTag,
    /// <summary>Message key is not valid.</summary>
    IllegalMessageKey,
    /// <summary>FIFO message group is not valid.</summary>
    IllegalMessageGroup,
    /// <summary>A user property is not valid.</summary>
    IllegalMessageProperty,
    /// <summary>Message id is not valid.</summary>
    IllegalMessageId,
    /// <summary>Invisible duration is out of range.</summary>
    IllegalInvisibleTime,
    /// <summary>Delivery timestamp is out of range.</summary>
    IllegalDeliveryTime,
    /// <summary>Offset option is not valid.</summary>
    IllegalOffset,
    /// <summary>Receipt handle is malformed, forged or no longer valid.</summary>
    InvalidReceiptHandle,
    /// <summary>Lite topic name is empty, too long or uses characters outside the allowed set.</summary>
    IllegalLiteTopic,
    /// <summary>The message's properties do not fit the topic's message type.</summary>
    MessageTypeMismatch,
    /// <summary>Topic does not exist.</summary>
    TopicNotFound,
    /// <summary>Consumer group does not exist.</summary>
    ConsumerGroupNotFound,
    /// <summary>No stored message matches a lookup by message id or key.</summary>
    MessageNotFound,
    /// <summary>Message body is empty.</summary>
    MessageBodyEmpty,
    /// <summary>Message body exceeds the configured limit.</summary>
    MessageBodyTooLarge,
    /// <summary>Message properties exceed the configured limit.</summary>
    MessagePropertiesTooLarge,
    /// <summary>The broker holds as many lite topics as it may.</summary>
    LiteTopicQuotaExceeded,
    /// <summary>A client or the broker holds as many lite subscriptions as it may.</summary>
    LiteSubscriptionQuotaExceeded,
    /// <summary>The message asked for a live subscriber of its lite topic (<c>agentbus-require-subscriber</c>) and none is subscribed.</summary>
    NoLiveSubscriber,
    /// <summary>The operation is not supported by this broker.</summary>
    NotSupported,
    /// <summary>The engine is shutting down or failed internally.</summary>
    Unavailable,

    /// <summary>The request does not fit the current state: a group bound to another topic, a lite topic still subscribed.</summary>
    PreconditionFailed,

    /// <summary>The broker knows as many clients as it may admit; a new client id is refused until others go.</summary>
    TooManyClients,
}
