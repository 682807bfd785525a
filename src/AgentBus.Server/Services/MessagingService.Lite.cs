using AgentBus.Broker.Subscriptions;
using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Metrics;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <inheritdoc />
    public override Task<SyncLiteSubscriptionResponse> SyncLiteSubscription(SyncLiteSubscriptionRequest request, ServerCallContext context) =>
        HandleAsync(nameof(SyncLiteSubscription), request, context, SyncLiteAsync, static status => new SyncLiteSubscriptionResponse { Status = status });

    /// <summary>
    /// Changes the calling client's lite subscriptions under the parent topic: PARTIAL_ADD, PARTIAL_REMOVE,
    /// COMPLETE_ADD (the set is the client's whole set) or COMPLETE_REMOVE, with an optional version (older versions
    /// are ignored; a request without one is versioned by its HTTP/2 stream, the order the client opened its calls) and
    /// an optional start position for the listed lite topics of a PARTIAL_ADD (see <see cref="Broker.BrokerOptions.LiteSubscribeOffset"/>). A COMPLETE_ADD leaves out lite topics exclusive mode
    /// took away from the client (the engine remembers them per client).
    /// </summary>
    private ValueTask<SyncLiteSubscriptionResponse> SyncLiteAsync(SyncLiteSubscriptionRequest request, RequestContext call)
    {
        // Before any name is looked at: a client's whole set (its quota) always fits, a list beyond it never does.
        int maxLiteTopics = Math.Max(_options.MaxLiteTopicsPerRequest, Engine.Options.MaxLiteSubscriptionsPerClient);
        if (request.LiteTopicSet.Count > maxLiteTopics)
        {
            _limitMetrics.Refused(LimitMetrics.TooManyLiteTopics);
            throw new RequestException(Code.PayloadTooLarge,
                $"The request lists {request.LiteTopicSet.Count} lite topics; the broker takes at most {maxLiteTopics} a request (Server:MaxLiteTopicsPerRequest).");
        }

        string topic = RequestFields.Topic(request.Topic);
        string group = RequestFields.Group(request.Group);
        var action = request.Action switch
        {
            LiteSubscriptionAction.PartialAdd => LiteSyncAction.PartialAdd,
            LiteSubscriptionAction.PartialRemove => LiteSyncAction.PartialRemove,
            LiteSubscriptionAction.CompleteAdd => LiteSyncAction.CompleteAdd,
            LiteSubscriptionAction.CompleteRemove => LiteSyncAction.CompleteRemove,
            _ => throw new RequestException(Code.BadRequest, $"Unknown lite subscription action {(int)request.Action}."),
        };
        var offset = request.OffsetOption is { } option ? ToEngine(option) : (StartPosition?)null;
        var client = _clients.Touch(call.ClientId);
        long version = request.HasVersion ? request.Version : ImplicitVersion(client, call.Call);
        client.Group ??= group;
        var result = Engine.SyncLiteSubscription(call.ClientId, group, topic, action, request.LiteTopicSet, version, offset);
        if (result.OffsetsKept > 0)
        {
            ServerLog.OffsetsKept(_logger, call.ClientId, group, result.OffsetsKept);
        }

        return ValueTask.FromResult(new SyncLiteSubscriptionResponse { Status = StatusFactory.Ok() });
    }

    private static long ImplicitVersion(ClientInfo client, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        int streamId = http.Features.Get<IHttp2StreamIdFeature>()?.StreamId ?? 0;
        return streamId > 0 ? client.ImplicitSyncVersion(http.Connection.Id, streamId) : 0;
    }

    /// <summary>The engine's start position for a protocol offset option (a set <c>policy</c> of LAST is still read as set).</summary>
    internal static StartPosition? ToEngine(OffsetOption option) => option.OffsetTypeCase switch
    {
        OffsetOption.OffsetTypeOneofCase.Policy => option.Policy switch
        {
            OffsetOption.Types.Policy.Last => StartPosition.Last,
            OffsetOption.Types.Policy.Min => StartPosition.Min,
            OffsetOption.Types.Policy.Max => StartPosition.Max,
            _ => throw new RequestException(Code.IllegalOffset, $"Unknown offset policy {(int)option.Policy}."),
        },
        OffsetOption.OffsetTypeOneofCase.Offset => option.Offset >= 0
            ? StartPosition.AtOffset(option.Offset)
            : throw new RequestException(Code.IllegalOffset, "An offset cannot be negative."),
        OffsetOption.OffsetTypeOneofCase.TailN => option.TailN >= 0
            ? StartPosition.Tail(option.TailN)
            : throw new RequestException(Code.IllegalOffset, "tail_n cannot be negative."),
        OffsetOption.OffsetTypeOneofCase.Timestamp => option.Timestamp >= 0
            ? new StartPosition(StartPolicy.Timestamp, option.Timestamp)
            : throw new RequestException(Code.IllegalOffset, "A timestamp cannot be negative."),
        _ => null,
    };
}
