using AgentBus.Broker;
using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using Grpc.Core;
using GrpcStatus = Grpc.Core.Status;
using ProtoMessageType = Apache.Rocketmq.V2.MessageType;

namespace AgentBus.Server.Services.Admin;

// Calls that define topics and consumer groups: create, update, delete.
internal sealed partial class AdminService
{
    /// <inheritdoc />
    public override Task<CreateTopicResponse> CreateTopic(CreateTopicRequest request, ServerCallContext context) =>
        Handle(nameof(CreateTopic), context, () =>
        {
            var definition = TopicDefinitionOf(request.Topic);
            if (!_host.Engine.Topics.TryCreateTopic(definition))
            {
                throw Exists($"Topic '{definition.Name}' exists already; UpdateTopic changes it.");
            }

            return new CreateTopicResponse { Topic = ToProto(_host.Engine.DescribeTopic(definition.Name)) };
        });

    /// <inheritdoc />
    public override Task<UpdateTopicResponse> UpdateTopic(UpdateTopicRequest request, ServerCallContext context) =>
        Handle(nameof(UpdateTopic), context, () =>
        {
            var definition = TopicDefinitionOf(request.Topic);
            if (!_host.Engine.Topics.TryUpdateTopic(definition))
            {
                throw new RpcException(new GrpcStatus(StatusCode.NotFound, $"Topic '{definition.Name}' does not exist; CreateTopic creates it."));
            }

            return new UpdateTopicResponse { Topic = ToProto(_host.Engine.DescribeTopic(definition.Name)) };
        });

    /// <inheritdoc />
    public override Task<DeleteTopicResponse> DeleteTopic(DeleteTopicRequest request, ServerCallContext context) =>
        Handle(nameof(DeleteTopic), context, () =>
        {
            string name = Required(request.Topic, "topic", NameRules.ValidateTopic);
            return _host.Engine.Topics.DeleteTopic(name)
                ? new DeleteTopicResponse()
                : throw new RpcException(new GrpcStatus(StatusCode.NotFound, $"Topic '{name}' does not exist."));
        });

    /// <inheritdoc />
    public override Task<CreateGroupResponse> CreateGroup(CreateGroupRequest request, ServerCallContext context) =>
        Handle(nameof(CreateGroup), context, () =>
        {
            var definition = GroupDefinitionOf(request.Group);
            if (!_host.Engine.Topics.TryCreateGroup(definition))
            {
                throw Exists($"Consumer group '{definition.Name}' exists already; UpdateGroup changes it.");
            }

            return new CreateGroupResponse { Group = ToProto(_host.Engine.DescribeGroup(definition.Name)) };
        });

    /// <inheritdoc />
    public override Task<UpdateGroupResponse> UpdateGroup(UpdateGroupRequest request, ServerCallContext context) =>
        Handle(nameof(UpdateGroup), context, () =>
        {
            var definition = GroupDefinitionOf(request.Group);
            if (!_host.Engine.Topics.TryUpdateGroup(definition))
            {
                throw new RpcException(new GrpcStatus(StatusCode.NotFound, $"Consumer group '{definition.Name}' does not exist; CreateGroup creates it."));
            }

            return new UpdateGroupResponse { Group = ToProto(_host.Engine.DescribeGroup(definition.Name)) };
        });

    /// <inheritdoc />
    public override Task<DeleteGroupResponse> DeleteGroup(DeleteGroupRequest request, ServerCallContext context) =>
        Handle(nameof(DeleteGroup), context, () =>
        {
            string name = Required(request.Group, "group", NameRules.ValidateGroup);
            return _host.Engine.Topics.DeleteGroup(name)
                ? new DeleteGroupResponse()
                : throw new RpcException(new GrpcStatus(StatusCode.NotFound, $"Consumer group '{name}' does not exist."));
        });

    private static TopicDefinition TopicDefinitionOf(Topic? topic)
    {
        if (topic is null)
        {
            throw Invalid("topic is required.");
        }

        string name = Required(topic.Name, "topic.name", NameRules.ValidateTopic);
        var type = topic.MessageType switch
        {
            ProtoMessageType.Normal => TopicMessageType.Normal,
            ProtoMessageType.Fifo => TopicMessageType.Fifo,
            ProtoMessageType.Delay => TopicMessageType.Delay,
            ProtoMessageType.Transaction => TopicMessageType.Transaction,
            ProtoMessageType.Lite => TopicMessageType.Lite,
            _ => throw Invalid($"topic.message_type {topic.MessageType} is not one of NORMAL, FIFO, DELAY, TRANSACTION, LITE."),
        };
        if (type != TopicMessageType.Lite && topic.LiteTopicTtl is not null)
        {
            throw Invalid("topic.lite_topic_ttl is for a LITE topic only.");
        }

        // A lite parent has one queue per lite topic: its queue count is not used.
        int queues = type == TopicMessageType.Lite ? 1 : topic.QueueCount == 0 ? 4 : topic.QueueCount;
        var ttl = topic.LiteTopicTtl is { } duration ? DurationOf(duration, "topic.lite_topic_ttl") : (TimeSpan?)null;
        return new TopicDefinition(name, type, queues, ttl);
    }

    private static ConsumerGroupDefinition GroupDefinitionOf(Group? group)
    {
        if (group is null)
        {
            throw Invalid("group is required.");
        }

        string name = Required(group.Name, "group.name", NameRules.ValidateGroup);
        if (group.BindTopic.Length > 0)
        {
            NameRules.ValidateTopic(group.BindTopic);
        }

        var mode = group.LiteMode switch
        {
            Protocol.Admin.LiteSubscriptionMode.Unspecified or Protocol.Admin.LiteSubscriptionMode.Shared => LiteSharingMode.Shared,
            Protocol.Admin.LiteSubscriptionMode.Exclusive => LiteSharingMode.Exclusive,
            _ => throw Invalid($"group.lite_mode {group.LiteMode} is not SHARED or EXCLUSIVE."),
        };
        return new ConsumerGroupDefinition(name, group.BindTopic.Length > 0 ? group.BindTopic : null, group.Fifo,
            group.MaxDeliveryAttempts == 0 ? 16 : group.MaxDeliveryAttempts, mode);
    }

    private static TimeSpan DurationOf(Google.Protobuf.WellKnownTypes.Duration duration, string field)
    {
        if (duration.Seconds is < 0 or > 315_576_000_000 || duration.Nanos is < -999_999_999 or > 999_999_999
            || (duration.Seconds > 0 && duration.Nanos < 0) || (duration.Seconds < 0 && duration.Nanos > 0))
        {
            throw Invalid($"{field} is not a valid duration.");
        }

        return duration.ToTimeSpan();
    }

    private static RpcException Exists(string message) => new(new GrpcStatus(StatusCode.AlreadyExists, message));
}
