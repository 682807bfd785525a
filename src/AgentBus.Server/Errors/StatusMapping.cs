using AgentBus.Broker.Errors;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Errors;

/// <summary>
/// The one place where engine error codes become protocol status codes. Official clients raise a typed exception
/// per status code family, so each engine code maps to the most specific protocol code.
/// </summary>
internal static class StatusMapping
{
    /// <summary>The protocol code that reports <paramref name="code"/> to a client.</summary>
    /// <param name="code">Why the engine refused an operation.</param>
    /// <returns>The protocol status code.</returns>
    public static Code ToCode(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.BadRequest => Code.BadRequest,
        BrokerErrorCode.IllegalTopic => Code.IllegalTopic,
        BrokerErrorCode.IllegalConsumerGroup => Code.IllegalConsumerGroup,
        BrokerErrorCode.IllegalMessageTag => Code.IllegalMessageTag,
        BrokerErrorCode.IllegalMessageKey => Code.IllegalMessageKey,
        BrokerErrorCode.IllegalMessageGroup => Code.IllegalMessageGroup,
        BrokerErrorCode.IllegalMessageProperty => Code.IllegalMessagePropertyKey,
        BrokerErrorCode.IllegalMessageId => Code.IllegalMessageId,
        BrokerErrorCode.IllegalInvisibleTime => Code.IllegalInvisibleTime,
        BrokerErrorCode.IllegalDeliveryTime => Code.IllegalDeliveryTime,
        BrokerErrorCode.IllegalOffset => Code.IllegalOffset,
        BrokerErrorCode.InvalidReceiptHandle => Code.InvalidReceiptHandle,
        BrokerErrorCode.IllegalLiteTopic => Code.IllegalLiteTopic,
        BrokerErrorCode.MessageTypeMismatch => Code.MessagePropertyConflictWithType,
        BrokerErrorCode.TopicNotFound => Code.TopicNotFound,
        BrokerErrorCode.ConsumerGroupNotFound => Code.ConsumerGroupNotFound,
        BrokerErrorCode.MessageNotFound => Code.MessageNotFound,
        BrokerErrorCode.NoLiveSubscriber => Code.NotFound,
        BrokerErrorCode.MessageBodyEmpty => Code.MessageBodyEmpty,
        BrokerErrorCode.MessageBodyTooLarge => Code.MessageBodyTooLarge,
        BrokerErrorCode.MessagePropertiesTooLarge => Code.MessagePropertiesTooLarge,
        BrokerErrorCode.LiteTopicQuotaExceeded => Code.LiteTopicQuotaExceeded,
        BrokerErrorCode.LiteSubscriptionQuotaExceeded => Code.LiteSubscriptionQuotaExceeded,
        BrokerErrorCode.NotSupported => Code.Unsupported,
        BrokerErrorCode.Unavailable => Code.InternalServerError,
        BrokerErrorCode.PreconditionFailed => Code.BadRequest,
        BrokerErrorCode.TooManyClients => Code.TooManyRequests,
        _ => Code.InternalError,
    };
}
