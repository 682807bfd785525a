using AgentBus.Broker;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Lite;
using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Hosting;
using AgentBus.Server.Mapping;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcStatus = Grpc.Core.Status;

namespace AgentBus.Server.Services.Admin;

/// <summary>
/// <c>agentbus.v1.AdminService</c>, the broker's own admin API, over the engine. Unlike MessagingService it reports a
/// refusal as the call's gRPC status (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION) with a message saying what
/// was wrong; refusals are logged at debug level, as they are a caller's mistake.
/// </summary>
[BindServiceMethod(typeof(AdminService), nameof(BindService))]
internal sealed partial class AdminService : Protocol.Admin.AdminService.AdminServiceBase
{
    /// <summary>The page size of a request that gives none.</summary>
    public const int DefaultPageSize = 100;

    private readonly BrokerEngineHost _host;
    private readonly ClientRegistry _clients;
    private readonly Metrics.BrokerMetrics _metrics;
    private readonly ILogger<AdminService> _logger;

    /// <summary>Creates the service; one instance serves every call.</summary>
    public AdminService(BrokerEngineHost host, ClientRegistry clients, Metrics.BrokerMetrics metrics, ILogger<AdminService> logger)
    {
        _host = host;
        _clients = clients;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Binds the service's methods as generated, but a request body that does not decode ends its call with
    /// INVALID_ARGUMENT rather than an unexpected error (see <see cref="Errors.MalformedRequests"/>).
    /// </summary>
    /// <param name="binder">grpc-dotnet's binder.</param>
    /// <param name="service">The service instance (null when grpc-dotnet binds by type), typed as the generated base
    /// that grpc-dotnet takes from this parameter.</param>
    public static void BindService(ServiceBinderBase binder, Protocol.Admin.AdminService.AdminServiceBase? service) =>
        Protocol.Admin.AdminService.BindService(new Errors.LenientRequestBinder(binder), service);

    /// <inheritdoc />
    public override Task<ListLiteTopicsResponse> ListLiteTopics(ListLiteTopicsRequest request, ServerCallContext context) =>
        Handle(nameof(ListLiteTopics), context, () =>
        {
            var engine = _host.Engine;
            var page = engine.ListLiteTopics(ParentTopic(request.ParentTopic), Prefix(request.Prefix, engine.Options.MaxLiteTopicLength),
                PageToken.Decode(request.PageToken, engine.Options.MaxLiteTopicLength), PageSize(request.PageSize), request.SubscribedOnly,
                Group(request.ConsumerGroup));
            var response = new ListLiteTopicsResponse { NextPageToken = PageToken.Encode(page.NextAfter) };
            foreach (var liteTopic in page.LiteTopics)
            {
                response.LiteTopics.Add(ToProto(liteTopic));
            }

            return response;
        });

    /// <inheritdoc />
    public override Task<PeekLiteTopicResponse> PeekLiteTopic(PeekLiteTopicRequest request, ServerCallContext context) =>
        Handle(nameof(PeekLiteTopic), context, () =>
        {
            var engine = _host.Engine;
            LiteTopicName(request.LiteTopic, engine);

            if (request.FromOffset < 0)
            {
                throw Invalid($"from_offset {request.FromOffset} is negative.");
            }

            var read = engine.PeekLiteTopic(ParentTopic(request.ParentTopic), request.LiteTopic, request.FromOffset, PeekCount(request.MaxMessages));
            var response = new PeekLiteTopicResponse { MinOffset = read.MinOffset, MaxOffset = read.MaxOffset, NextOffset = read.NextOffset };
            response.Messages.AddRange(Peeked(read, context));
            return response;
        });

    /// <inheritdoc />
    public override Task<PeekQueueResponse> PeekQueue(PeekQueueRequest request, ServerCallContext context) =>
        Handle(nameof(PeekQueue), context, () =>
        {
            string topic = Required(request.Topic, "topic", NameRules.ValidateTopic);
            if (request.FromOffset < 0)
            {
                throw Invalid($"from_offset {request.FromOffset} is negative.");
            }

            var read = _host.Engine.PeekQueue(topic, request.QueueId, request.FromOffset, PeekCount(request.MaxMessages));
            var response = new PeekQueueResponse { MinOffset = read.MinOffset, MaxOffset = read.MaxOffset, NextOffset = read.NextOffset };
            response.Messages.AddRange(Peeked(read, context));
            return response;
        });

    private static int PeekCount(int maxMessages) =>
        maxMessages == 0 ? DefaultPageSize
        : maxMessages is > 0 and <= BrokerEngine.MaxPeekCount ? maxMessages
        : throw Invalid($"max_messages {maxMessages} is out of range: 1..{BrokerEngine.MaxPeekCount}, or 0 for {DefaultPageSize}.");

    private static IEnumerable<Apache.Rocketmq.V2.Message> Peeked(LiteTopicMessages read, ServerCallContext context) => Peeked(read.Messages, context);

    private static IEnumerable<Apache.Rocketmq.V2.Message> Peeked(IReadOnlyList<Broker.Messages.MessageRecord> messages, ServerCallContext context)
    {
        string resourceNamespace = ClientMetadata.From(context.RequestHeaders).Namespace;
        string storeHost = context.GetHttpContext().Request.Host.Value ?? "";
        return messages.Select(record => MessageMapper.ToProto(record, resourceNamespace, storeHost));
    }

    private static LiteTopic ToProto(LiteTopicInfo info)
    {
        var liteTopic = new LiteTopic
        {
            Name = info.Name,
            MinOffset = info.MinOffset,
            MaxOffset = info.MaxOffset,
            LiveSubscriberCount = info.LiveSubscribers,
            LastWriteTime = Timestamp.FromDateTimeOffset(info.LastWriteTime),
        };
        if (info.CommittedOffset is { } committed)
        {
            liteTopic.CommittedOffset = committed;
        }

        return liteTopic;
    }

    private static string ParentTopic(string name)
    {
        if (name.Length == 0)
        {
            throw Invalid("parent_topic is required.");
        }

        NameRules.ValidateTopic(name);
        return name;
    }

    private static string LiteTopicName(string liteTopic, BrokerEngine engine) =>
        NameRules.IsValid(liteTopic, engine.Options.MaxLiteTopicLength) ? liteTopic
        : throw Invalid($"lite_topic '{liteTopic}' is not a lite topic name: 1 to {engine.Options.MaxLiteTopicLength} characters of [a-zA-Z0-9%|_-].");

    private static string? Prefix(string prefix, int maxLength) =>
        prefix.Length == 0 ? null
        : NameRules.IsValid(prefix, maxLength) ? prefix
        : throw Invalid($"prefix '{prefix}' cannot start a lite topic name: at most {maxLength} characters of [a-zA-Z0-9%|_-].");

    private static int PageSize(int pageSize, int max = BrokerEngine.MaxLiteTopicPageSize) =>
        pageSize == 0 ? DefaultPageSize
        : pageSize > 0 && pageSize <= max ? pageSize
        : throw Invalid($"page_size {pageSize} is out of range: 1..{max}, or 0 for {DefaultPageSize}.");

    private static string? Group(string group)
    {
        if (group.Length == 0)
        {
            return null;
        }

        NameRules.ValidateGroup(group);
        return group;
    }

    private static RpcException Invalid(string message) => new(new GrpcStatus(StatusCode.InvalidArgument, message));

    /// <summary>Runs a call, turning engine refusals into gRPC statuses and logging what a caller got wrong at debug level only.</summary>
    private Task<TResponse> Handle<TResponse>(string rpc, ServerCallContext context, Func<TResponse> call) =>
        HandleAsync(rpc, context, () => Task.FromResult(call()));

    /// <summary>As <see cref="Handle{TResponse}"/>, for a call that awaits (the only error funnel of the admin API).</summary>
    private async Task<TResponse> HandleAsync<TResponse>(string rpc, ServerCallContext context, Func<Task<TResponse>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException refused)
        {
            string detail = StatusDetail.Bounded(refused.Status.Detail);
            Refused(rpc, context, refused.StatusCode, detail);
            if (detail.Length == refused.Status.Detail.Length)
            {
                throw;
            }

            throw new RpcException(new GrpcStatus(refused.StatusCode, detail));
        }
        catch (BrokerException refused)
        {
            var code = ToStatusCode(refused.Code);
            string detail = StatusDetail.Bounded(refused.Message);
            Refused(rpc, context, code, detail);
            throw new RpcException(new GrpcStatus(code, detail));
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            var metadata = ClientMetadata.From(context.RequestHeaders);
            ServerLog.Failed(_logger, ex, rpc, metadata.ClientId, metadata.RequestId);
            throw new RpcException(new GrpcStatus(StatusCode.Internal, $"Internal error ({ex.GetType().Name}); see the broker log."));
        }
    }

    private void Refused(string rpc, ServerCallContext context, StatusCode code, string reason) =>
        ServerLog.AdminRefused(_logger, rpc, ClientMetadata.From(context.RequestHeaders).ClientId, code, reason);

    /// <summary>The gRPC status code of an engine refusal in the admin API.</summary>
    private static StatusCode ToStatusCode(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.TopicNotFound or BrokerErrorCode.ConsumerGroupNotFound or BrokerErrorCode.MessageNotFound => StatusCode.NotFound,
        BrokerErrorCode.MessageTypeMismatch or BrokerErrorCode.PreconditionFailed => StatusCode.FailedPrecondition,
        BrokerErrorCode.IllegalOffset => StatusCode.OutOfRange,
        BrokerErrorCode.Unavailable => StatusCode.Unavailable,
        BrokerErrorCode.NotSupported => StatusCode.Unimplemented,
        _ => StatusCode.InvalidArgument,
    };
}
