using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Protocol.Tests;

/// <summary>The RPCs of MessagingService, their gRPC paths and streaming kinds.</summary>
public class ServiceDefinitionTests
{
    private static readonly (string Name, MethodType Type, string Request, string Response)[] Expected =
    [
        ("QueryRoute", MethodType.Unary, "QueryRouteRequest", "QueryRouteResponse"),
        ("Heartbeat", MethodType.Unary, "HeartbeatRequest", "HeartbeatResponse"),
        ("SendMessage", MethodType.Unary, "SendMessageRequest", "SendMessageResponse"),
        ("QueryAssignment", MethodType.Unary, "QueryAssignmentRequest", "QueryAssignmentResponse"),
        ("ReceiveMessage", MethodType.ServerStreaming, "ReceiveMessageRequest", "ReceiveMessageResponse"),
        ("AckMessage", MethodType.Unary, "AckMessageRequest", "AckMessageResponse"),
        ("ForwardMessageToDeadLetterQueue", MethodType.Unary, "ForwardMessageToDeadLetterQueueRequest", "ForwardMessageToDeadLetterQueueResponse"),
        ("PullMessage", MethodType.ServerStreaming, "PullMessageRequest", "PullMessageResponse"),
        ("UpdateOffset", MethodType.Unary, "UpdateOffsetRequest", "UpdateOffsetResponse"),
        ("GetOffset", MethodType.Unary, "GetOffsetRequest", "GetOffsetResponse"),
        ("QueryOffset", MethodType.Unary, "QueryOffsetRequest", "QueryOffsetResponse"),
        ("EndTransaction", MethodType.Unary, "EndTransactionRequest", "EndTransactionResponse"),
        ("Telemetry", MethodType.DuplexStreaming, "TelemetryCommand", "TelemetryCommand"),
        ("NotifyClientTermination", MethodType.Unary, "NotifyClientTerminationRequest", "NotifyClientTerminationResponse"),
        ("ChangeInvisibleDuration", MethodType.Unary, "ChangeInvisibleDurationRequest", "ChangeInvisibleDurationResponse"),
        ("RecallMessage", MethodType.Unary, "RecallMessageRequest", "RecallMessageResponse"),
        ("SyncLiteSubscription", MethodType.Unary, "SyncLiteSubscriptionRequest", "SyncLiteSubscriptionResponse"),
    ];

    [Fact]
    public void Descriptor_lists_every_rpc_with_its_streaming_kind_and_types()
    {
        var service = MessagingService.Descriptor;
        Assert.Equal("apache.rocketmq.v2.MessagingService", service.FullName);

        var actual = service.Methods.Select(m => (
            m.Name,
            Kind(m.IsClientStreaming, m.IsServerStreaming),
            m.InputType.Name,
            m.OutputType.Name));
        Assert.Equal(Expected, actual);
    }

    [Fact]
    public void Bound_service_exposes_the_grpc_paths_clients_call()
    {
        var binder = new RecordingBinder();
        MessagingService.BindService(binder, new EmptyService());

        var expected = Expected.Select(e => ($"/apache.rocketmq.v2.MessagingService/{e.Name}", e.Type));
        Assert.Equal(expected, binder.Methods);
    }

    private static MethodType Kind(bool clientStreaming, bool serverStreaming) => (clientStreaming, serverStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (false, true) => MethodType.ServerStreaming,
        (true, false) => MethodType.ClientStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };

    private sealed class EmptyService : MessagingService.MessagingServiceBase;
}
