using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Client.Errors;

/// <summary>Turns a response <see cref="Status"/> (or a failed gRPC call) into the matching typed exception, as the official clients do.</summary>
internal static class StatusChecker
{
    /// <summary>Throws unless <paramref name="status"/> is OK (or MULTIPLE_RESULTS, whose entries carry their own status).</summary>
    public static void Check(Status? status, string? requestId)
    {
        if (status is null)
        {
            throw new InternalErrorException((int)Code.InternalError, "The response carries no status.", requestId);
        }

        if (status.Code is Code.Ok or Code.MultipleResults)
        {
            return;
        }

        throw ToException(status.Code, status.Message, requestId);
    }

    /// <summary>The typed exception for a protocol code.</summary>
    public static ClientException ToException(Code code, string message, string? requestId)
    {
        int value = (int)code;
        return code switch
        {
            Code.IllegalLiteTopic => new IllegalLiteTopicException(value, message, requestId),
            Code.BadRequest or Code.IllegalAccessPoint or Code.IllegalTopic or Code.IllegalConsumerGroup or Code.IllegalMessageTag
                or Code.IllegalMessageKey or Code.IllegalMessageGroup or Code.IllegalMessagePropertyKey or Code.InvalidTransactionId
                or Code.IllegalMessageId or Code.IllegalFilterExpression or Code.IllegalInvisibleTime or Code.IllegalDeliveryTime
                or Code.InvalidReceiptHandle or Code.MessagePropertyConflictWithType or Code.UnrecognizedClientType
                or Code.MessageCorrupted or Code.ClientIdRequired or Code.IllegalPollingTime or Code.IllegalOffset
                => new BadRequestException(value, message, requestId),
            Code.Unauthorized => new UnauthorizedException(value, message, requestId),
            Code.PaymentRequired => new PaymentRequiredException(value, message, requestId),
            Code.Forbidden => new ForbiddenException(value, message, requestId),
            Code.NotFound or Code.MessageNotFound or Code.TopicNotFound or Code.ConsumerGroupNotFound or Code.OffsetNotFound
                => new NotFoundException(value, message, requestId),
            Code.RequestTimeout => new RequestTimeoutException(value, message, requestId),
            Code.PayloadTooLarge or Code.MessageBodyTooLarge or Code.MessageBodyEmpty => new PayloadTooLargeException(value, message, requestId),
            Code.TooManyRequests => new TooManyRequestsException(value, message, requestId),
            Code.LiteTopicQuotaExceeded => new LiteTopicQuotaExceededException(value, message, requestId),
            Code.LiteSubscriptionQuotaExceeded => new LiteSubscriptionQuotaExceededException(value, message, requestId),
            Code.RequestHeaderFieldsTooLarge or Code.MessagePropertiesTooLarge => new RequestHeaderFieldsTooLargeException(value, message, requestId),
            Code.InternalError or Code.InternalServerError or Code.HaNotAvailable => new InternalErrorException(value, message, requestId),
            Code.ProxyTimeout or Code.MasterPersistenceTimeout or Code.SlavePersistenceTimeout => new ProxyTimeoutException(value, message, requestId),
            _ => new UnsupportedException(value, message, requestId),
        };
    }

    /// <summary>
    /// The exception for a gRPC call that failed below the protocol (no response status). MessagingService reports its
    /// refusals in response statuses; the AgentBus admin API reports them as gRPC status codes, hence the argument and
    /// not-found codes (and already-exists, for a definition created twice).
    /// </summary>
    public static ClientException FromRpc(RpcException exception, string? requestId) => exception.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange or StatusCode.AlreadyExists
            => new BadRequestException((int)Code.BadRequest, exception.Status.Detail, requestId, exception),
        StatusCode.NotFound => new NotFoundException((int)Code.NotFound, exception.Status.Detail, requestId, exception),
        StatusCode.DeadlineExceeded => new RequestTimeoutException((int)Code.RequestTimeout, "The call did not complete within its deadline.", requestId, exception),
        StatusCode.Unauthenticated => new UnauthorizedException((int)Code.Unauthorized, exception.Status.Detail, requestId, exception),
        StatusCode.PermissionDenied => new ForbiddenException((int)Code.Forbidden, exception.Status.Detail, requestId, exception),
        StatusCode.Unimplemented => new UnsupportedException((int)Code.NotImplemented, exception.Status.Detail, requestId, exception),
        StatusCode.ResourceExhausted => new TooManyRequestsException((int)Code.TooManyRequests, exception.Status.Detail, requestId, exception),
        _ => new NetworkException(0, $"gRPC call failed: {exception.StatusCode} {exception.Status.Detail}", requestId, exception),
    };
}
