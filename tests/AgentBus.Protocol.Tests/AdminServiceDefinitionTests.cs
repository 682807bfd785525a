using AgentBus.Protocol.Admin;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace AgentBus.Protocol.Tests;

/// <summary>The agentbus.v1 admin schema: its service, gRPC paths and field numbers, which clients depend on.</summary>
public class AdminServiceDefinitionTests
{
    [Fact]
    public void The_service_binds_its_calls_as_unary_calls_under_its_package()
    {
        var binder = new RecordingBinder();
        AdminService.BindService(binder, new EmptyService());

        Assert.Equal("agentbus.v1.AdminService", AdminService.Descriptor.FullName);
        string[] names = ["ListLiteTopics", "PeekLiteTopic", "PeekQueue", "LookupMessages", "ListTopics", "DescribeTopic", "ListGroups", "DescribeGroup", "DescribeLiteTopic",
            "ListClients", "ResetOffset", "DeleteLiteTopic", "GetBrokerStats", "ListDeadLetters", "ReplayDeadLetters", "PurgeDeadLetters",
            "CreateTopic", "UpdateTopic", "DeleteTopic", "CreateGroup", "UpdateGroup", "DeleteGroup"];
        Assert.Equal(names.Select(n => ($"/agentbus.v1.AdminService/{n}", MethodType.Unary)), binder.Methods);
        Assert.Equal(
            [(ListLiteTopicsRequest.Descriptor, ListLiteTopicsResponse.Descriptor), (PeekLiteTopicRequest.Descriptor, PeekLiteTopicResponse.Descriptor)],
            AdminService.Descriptor.Methods.Take(2).Select(m => (m.InputType, m.OutputType)));
        // Each call has its own request and response message, named after it.
        Assert.All(AdminService.Descriptor.Methods, m => Assert.Equal((m.Name + "Request", m.Name + "Response"), (m.InputType.Name, m.OutputType.Name)));
    }

    [Fact]
    public void Field_numbers_and_types_are_fixed()
    {
        Assert.Equal(
            ["parent_topic 1 String", "prefix 2 String", "page_size 3 Int32", "page_token 4 String", "subscribed_only 5 Bool", "consumer_group 6 String"],
            Fields(ListLiteTopicsRequest.Descriptor));
        Assert.Equal(["lite_topics 1 Message repeated", "next_page_token 2 String"], Fields(ListLiteTopicsResponse.Descriptor));
        Assert.Equal(
            ["name 1 String", "min_offset 2 Int64", "max_offset 3 Int64", "live_subscriber_count 4 Int32", "last_write_time 5 Message",
                "committed_offset 6 Int64 optional"],
            Fields(LiteTopic.Descriptor));
        Assert.Equal(["parent_topic 1 String", "lite_topic 2 String", "from_offset 3 Int64", "max_messages 4 Int32"], Fields(PeekLiteTopicRequest.Descriptor));
        Assert.Equal(
            ["messages 1 Message repeated", "min_offset 2 Int64", "max_offset 3 Int64", "next_offset 4 Int64"],
            Fields(PeekLiteTopicResponse.Descriptor));
        Assert.Equal("apache.rocketmq.v2.Message", PeekLiteTopicResponse.Descriptor.FindFieldByNumber(1).MessageType.FullName);
    }

    [Fact]
    public void An_absent_committed_offset_differs_from_zero()
    {
        var absent = LiteTopic.Parser.ParseFrom(new LiteTopic { Name = "agent|a" }.ToByteArray());
        var zero = LiteTopic.Parser.ParseFrom(new LiteTopic { Name = "agent|a", CommittedOffset = 0 }.ToByteArray());

        Assert.False(absent.HasCommittedOffset);
        Assert.True(zero.HasCommittedOffset);
    }

    private static List<string> Fields(MessageDescriptor message) =>
        [.. message.Fields.InFieldNumberOrder().Select(f =>
            $"{f.Name} {f.FieldNumber} {f.FieldType}{(f.IsRepeated ? " repeated" : "")}{(f.HasPresence && f.FieldType != FieldType.Message ? " optional" : "")}")];

    private sealed class EmptyService : AdminService.AdminServiceBase;
}
