using Google.Protobuf;
using Grpc.Core;
using Admin = AgentBus.Protocol.Admin;
using V2 = Apache.Rocketmq.V2;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>
/// One RPC of the broker as raw bytes: a <see cref="Method{TRequest,TResponse}"/> with byte-array marshallers, so any
/// bytes go on the wire as the request, and the parser of its response type to judge what comes back.
/// </summary>
internal sealed record Rpc(string Service, string Name, MethodType Type, MessageParser Response)
{
    public const string Messaging = "apache.rocketmq.v2.MessagingService";
    public const string AdminService = "agentbus.v1.AdminService";
    public const string MessageStream = "agentbus.v1.MessageStream";

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);

    // Before All and Weighted: static fields are initialized in the order they are written.
    private static readonly HashSet<string> Unimplemented =
        ["PullMessage", "UpdateOffset", "GetOffset", "QueryOffset", "EndTransaction", "RecallMessage"];

    /// <summary>All 17 RPCs of MessagingService, every one of AdminService, and the message stream.</summary>
    public static IReadOnlyList<Rpc> All { get; } =
    [
        new(Messaging, "QueryRoute", MethodType.Unary, V2.QueryRouteResponse.Parser),
        new(Messaging, "Heartbeat", MethodType.Unary, V2.HeartbeatResponse.Parser),
        new(Messaging, "SendMessage", MethodType.Unary, V2.SendMessageResponse.Parser),
        new(Messaging, "QueryAssignment", MethodType.Unary, V2.QueryAssignmentResponse.Parser),
        new(Messaging, "ReceiveMessage", MethodType.ServerStreaming, V2.ReceiveMessageResponse.Parser),
        new(Messaging, "AckMessage", MethodType.Unary, V2.AckMessageResponse.Parser),
        new(Messaging, "ForwardMessageToDeadLetterQueue", MethodType.Unary, V2.ForwardMessageToDeadLetterQueueResponse.Parser),
        new(Messaging, "PullMessage", MethodType.ServerStreaming, V2.PullMessageResponse.Parser),
        new(Messaging, "UpdateOffset", MethodType.Unary, V2.UpdateOffsetResponse.Parser),
        new(Messaging, "GetOffset", MethodType.Unary, V2.GetOffsetResponse.Parser),
        new(Messaging, "QueryOffset", MethodType.Unary, V2.QueryOffsetResponse.Parser),
        new(Messaging, "EndTransaction", MethodType.Unary, V2.EndTransactionResponse.Parser),
        new(Messaging, "Telemetry", MethodType.DuplexStreaming, V2.TelemetryCommand.Parser),
        new(Messaging, "NotifyClientTermination", MethodType.Unary, V2.NotifyClientTerminationResponse.Parser),
        new(Messaging, "ChangeInvisibleDuration", MethodType.Unary, V2.ChangeInvisibleDurationResponse.Parser),
        new(Messaging, "RecallMessage", MethodType.Unary, V2.RecallMessageResponse.Parser),
        new(Messaging, "SyncLiteSubscription", MethodType.Unary, V2.SyncLiteSubscriptionResponse.Parser),
        new(AdminService, "ListLiteTopics", MethodType.Unary, Admin.ListLiteTopicsResponse.Parser),
        new(AdminService, "PeekLiteTopic", MethodType.Unary, Admin.PeekLiteTopicResponse.Parser),
        new(AdminService, "PeekQueue", MethodType.Unary, Admin.PeekQueueResponse.Parser),
        new(AdminService, "LookupMessages", MethodType.Unary, Admin.LookupMessagesResponse.Parser),
        new(AdminService, "ListTopics", MethodType.Unary, Admin.ListTopicsResponse.Parser),
        new(AdminService, "DescribeTopic", MethodType.Unary, Admin.DescribeTopicResponse.Parser),
        new(AdminService, "ListGroups", MethodType.Unary, Admin.ListGroupsResponse.Parser),
        new(AdminService, "DescribeGroup", MethodType.Unary, Admin.DescribeGroupResponse.Parser),
        new(AdminService, "DescribeLiteTopic", MethodType.Unary, Admin.DescribeLiteTopicResponse.Parser),
        new(AdminService, "ListClients", MethodType.Unary, Admin.ListClientsResponse.Parser),
        new(AdminService, "ResetOffset", MethodType.Unary, Admin.ResetOffsetResponse.Parser),
        new(AdminService, "DeleteLiteTopic", MethodType.Unary, Admin.DeleteLiteTopicResponse.Parser),
        new(AdminService, "GetBrokerStats", MethodType.Unary, Admin.GetBrokerStatsResponse.Parser),
        new(AdminService, "ListDeadLetters", MethodType.Unary, Admin.ListDeadLettersResponse.Parser),
        new(AdminService, "ReplayDeadLetters", MethodType.Unary, Admin.ReplayDeadLettersResponse.Parser),
        new(AdminService, "PurgeDeadLetters", MethodType.Unary, Admin.PurgeDeadLettersResponse.Parser),
        new(AdminService, "CreateTopic", MethodType.Unary, Admin.CreateTopicResponse.Parser),
        new(AdminService, "UpdateTopic", MethodType.Unary, Admin.UpdateTopicResponse.Parser),
        new(AdminService, "DeleteTopic", MethodType.Unary, Admin.DeleteTopicResponse.Parser),
        new(AdminService, "CreateGroup", MethodType.Unary, Admin.CreateGroupResponse.Parser),
        new(AdminService, "UpdateGroup", MethodType.Unary, Admin.UpdateGroupResponse.Parser),
        new(AdminService, "DeleteGroup", MethodType.Unary, Admin.DeleteGroupResponse.Parser),
        new(MessageStream, "Open", MethodType.DuplexStreaming, AgentBus.Protocol.Stream.ServerFrame.Parser),
    ];

    /// <summary>
    /// <see cref="All"/> with each implemented RPC three times: the ones the broker does not implement (transactions,
    /// recall, pull and offsets) answer NOT_IMPLEMENTED after the first checks, so they need fewer cases.
    /// </summary>
    public static IReadOnlyList<Rpc> Weighted { get; } =
        [.. All.SelectMany(static rpc => Enumerable.Repeat(rpc, Unimplemented.Contains(rpc.Name) ? 1 : 3))];

    public Method<byte[], byte[]> Method { get; } = new(Type, Service, Name, Bytes, Bytes);

    public bool IsStreaming => Type != MethodType.Unary;

    public override string ToString() => Name;
}
