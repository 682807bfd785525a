using AgentBus.Broker.Topics;
using AgentBus.Protocol;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <summary>Virtual queue id of an assignment that covers every queue of the broker (and of lite consumption).</summary>
    internal const int AllQueues = -1;

    /// <inheritdoc />
    public override Task<QueryRouteResponse> QueryRoute(QueryRouteRequest request, ServerCallContext context) =>
        HandleAsync(nameof(QueryRoute), request, context, QueryRouteAsync, static status => new QueryRouteResponse { Status = status });

    /// <inheritdoc />
    public override Task<QueryAssignmentResponse> QueryAssignment(QueryAssignmentRequest request, ServerCallContext context) =>
        HandleAsync(nameof(QueryAssignment), request, context, QueryAssignmentAsync, static status => new QueryAssignmentResponse { Status = status });

    /// <summary>
    /// This broker is the topic's only endpoint: a normal or FIFO topic lists its queues, a lite parent one queue
    /// (lite topics are not routed individually), all readable and writable.
    /// </summary>
    private ValueTask<QueryRouteResponse> QueryRouteAsync(QueryRouteRequest request, RequestContext call)
    {
        string topicName = RequestFields.Topic(request.Topic);
        var route = Engine.Topics.ResolveForRoute(topicName);
        var broker = ThisBroker(request.Endpoints, call.Call);
        var accepted = AcceptedTypes(route);
        int queueCount = route.Topic.MessageType == TopicMessageType.Lite ? 1 : route.Topic.QueueCount;
        var response = new QueryRouteResponse { Status = StatusFactory.Ok() };
        for (int id = 0; id < queueCount; id++)
        {
            var queue = new Apache.Rocketmq.V2.MessageQueue
            {
                Topic = new Resource { Name = topicName, ResourceNamespace = request.Topic.ResourceNamespace },
                Id = id,
                Permission = Permission.ReadWrite,
                Broker = broker,
            };
            queue.AcceptMessageTypes.Add(accepted);
            response.MessageQueues.Add(queue);
        }

        return ValueTask.FromResult(response);
    }

    /// <summary>
    /// A push consumer reads the whole topic from this broker: one assignment on the virtual queue -1. The engine
    /// keeps FIFO order per queue (or per lite topic) on its own, and a lite consumer's queue is its ready set.
    /// </summary>
    private ValueTask<QueryAssignmentResponse> QueryAssignmentAsync(QueryAssignmentRequest request, RequestContext call)
    {
        string topicName = RequestFields.Topic(request.Topic);
        string group = RequestFields.Group(request.Group);
        var route = Engine.Topics.ResolveForAssignment(topicName, group);

        var queue = new Apache.Rocketmq.V2.MessageQueue
        {
            Topic = new Resource { Name = topicName, ResourceNamespace = request.Topic.ResourceNamespace },
            Id = AllQueues,
            Permission = Permission.Read,
            Broker = ThisBroker(request.Endpoints, call.Call),
        };
        queue.AcceptMessageTypes.Add(AcceptedTypes(route));
        var response = new QueryAssignmentResponse { Status = StatusFactory.Ok() };
        response.Assignments.Add(new Assignment { MessageQueue = queue });
        return ValueTask.FromResult(response);
    }

    private bool IsKnownLiteParent(string topic) =>
        Engine.Topics.TryGetTopic(topic, out var definition) && definition.MessageType == TopicMessageType.Lite;

    private static MessageType[] AcceptedTypes(TopicRoute route)
    {
        if (route.Pending)
        {
            return [MessageType.Normal, MessageType.Lite];
        }

        return route.Topic.MessageType switch
        {
            TopicMessageType.Lite => [MessageType.Lite],
            TopicMessageType.Fifo => [MessageType.Fifo],
            TopicMessageType.Delay => [MessageType.Delay],
            TopicMessageType.Transaction => [MessageType.Transaction],
            _ => [MessageType.Normal],
        };
    }

    /// <summary>
    /// This broker as routes name it, at the configured advertised endpoint, else the endpoint the client says it
    /// used, else the Host header of the call.
    /// </summary>
    private Apache.Rocketmq.V2.Broker ThisBroker(Endpoints? requested, ServerCallContext call) => new()
    {
        Name = _options.BrokerName,
        Id = 0,
        Endpoints = EndpointOf(requested, call),
    };

    private Endpoints EndpointOf(Endpoints? requested, ServerCallContext call)
    {
        if (_options.AdvertisedEndpoint is { Length: > 0 } advertised)
        {
            return EndpointParsing.Parse(advertised);
        }

        if (requested is { Addresses.Count: > 0 })
        {
            return requested;
        }

        string? host = call.GetHttpContext().Request.Host.Value;
        return EndpointParsing.Parse(string.IsNullOrEmpty(host) ? $"{_options.Address}:{_options.Port}" : host);
    }

    /// <summary>The endpoint written into delivered messages as their store host.</summary>
    private string StoreHost(ServerCallContext call) =>
        _options.AdvertisedEndpoint is { Length: > 0 } advertised ? advertised : call.GetHttpContext().Request.Host.Value ?? _options.Address;
}
