using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using ProtoMessageType = Apache.Rocketmq.V2.MessageType;

namespace AgentBus.Server.Tests;

/// <summary>
/// The admin API's definition calls over real gRPC: topics and consumer groups created, updated and deleted, what
/// the engine then holds, and each refusal as the gRPC status its contract names.
/// </summary>
public sealed class AdminDefinitionTests(SharedDebugLogTestBroker shared) : IClassFixture<SharedDebugLogTestBroker>
{
    private static AdminService.AdminServiceClient Admin(TestBroker broker) => new(broker.Channel);

    private static CallOptions Options(TestBroker broker) => broker.Client().Options(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_topic_is_created_updated_and_deleted()
    {
        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        var admin = Admin(broker);

        var created = await admin.CreateTopicAsync(new CreateTopicRequest
        {
            Topic = new Topic { Name = "agents", MessageType = ProtoMessageType.Lite, LiteTopicTtl = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)) },
        }, Options(broker));
        Assert.Equal((ProtoMessageType.Lite, 1800.0), (created.Topic.MessageType, created.Topic.LiteTopicTtl.ToTimeSpan().TotalSeconds));
        Assert.True(broker.Engine.Topics.TryGetTopic("agents", out var lite));
        Assert.Equal((TopicMessageType.Lite, TimeSpan.FromMinutes(30)), (lite.MessageType, lite.LiteTopicTtl));

        await admin.CreateTopicAsync(new CreateTopicRequest { Topic = new Topic { Name = "orders", MessageType = ProtoMessageType.Normal, QueueCount = 2 } }, Options(broker));
        var updated = await admin.UpdateTopicAsync(new UpdateTopicRequest { Topic = new Topic { Name = "orders", MessageType = ProtoMessageType.Fifo, QueueCount = 8 } }, Options(broker));
        Assert.Equal((ProtoMessageType.Fifo, 8), (updated.Topic.MessageType, updated.Topic.QueueCount));

        await admin.DeleteTopicAsync(new DeleteTopicRequest { Topic = "orders" }, Options(broker));
        Assert.False(broker.Engine.Topics.TryGetTopic("orders", out _));
        await broker.RestartAsync();
        Assert.True(broker.Engine.Topics.TryGetTopic("agents", out _), "a created topic is kept across a restart");
        Assert.False(broker.Engine.Topics.TryGetTopic("orders", out _), "a deleted topic stays deleted");
    }

    [Fact]
    public async Task Topic_refusals_carry_the_status_of_the_contract()
    {
        var broker = shared.Broker;
        var admin = Admin(broker);
        await admin.CreateTopicAsync(new CreateTopicRequest { Topic = new Topic { Name = "agents-refusals", MessageType = ProtoMessageType.Lite } }, Options(broker));
        await admin.CreateTopicAsync(new CreateTopicRequest { Topic = new Topic { Name = "orders-refusals", MessageType = ProtoMessageType.Normal, QueueCount = 4 } }, Options(broker));

        async Task<StatusCode> Refused(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;
        Task Create(Topic topic) => admin.CreateTopicAsync(new CreateTopicRequest { Topic = topic }, Options(broker)).ResponseAsync;
        Task Update(Topic topic) => admin.UpdateTopicAsync(new UpdateTopicRequest { Topic = topic }, Options(broker)).ResponseAsync;

        Assert.Equal(StatusCode.AlreadyExists, await Refused(() => Create(new Topic { Name = "agents-refusals", MessageType = ProtoMessageType.Lite })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => Create(new Topic { Name = "bad name!", MessageType = ProtoMessageType.Normal })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => Create(new Topic { Name = "x", MessageType = ProtoMessageType.Unspecified })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => Create(new Topic { Name = "x", MessageType = ProtoMessageType.Normal, QueueCount = 5000 })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => Create(new Topic { Name = "x", MessageType = ProtoMessageType.Normal, LiteTopicTtl = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => Create(new Topic { Name = "x", MessageType = ProtoMessageType.Lite, LiteTopicTtl = new Duration { Seconds = 1, Nanos = -5 } })));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(() => admin.CreateTopicAsync(new CreateTopicRequest(), Options(broker)).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Refused(() => Update(new Topic { Name = "nope", MessageType = ProtoMessageType.Normal })));
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(() => Update(new Topic { Name = "agents-refusals", MessageType = ProtoMessageType.Normal })));
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(() => Update(new Topic { Name = "orders-refusals", MessageType = ProtoMessageType.Lite })));
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(() => Update(new Topic { Name = "orders-refusals", MessageType = ProtoMessageType.Normal, QueueCount = 2 })));
        Assert.Equal(StatusCode.NotFound, await Refused(() => admin.DeleteTopicAsync(new DeleteTopicRequest { Topic = "nope" }, Options(broker)).ResponseAsync));

        Assert.True(broker.Engine.Topics.TryGetTopic("orders-refusals", out var orders));
        Assert.Equal((TopicMessageType.Normal, 4), (orders.MessageType, orders.QueueCount));
    }

    [Fact]
    public async Task A_group_is_created_updated_and_deleted_and_its_refusals_are_statuses()
    {
        var broker = shared.Broker;
        var admin = Admin(broker);
        await admin.CreateTopicAsync(new CreateTopicRequest { Topic = new Topic { Name = "agents-groups", MessageType = ProtoMessageType.Lite } }, Options(broker));

        var created = await admin.CreateGroupAsync(new CreateGroupRequest
        {
            Group = new Group { Name = "sessions", BindTopic = "agents-groups", Fifo = true, LiteMode = LiteSubscriptionMode.Exclusive, MaxDeliveryAttempts = 3 },
        }, Options(broker));
        Assert.Equal(("agents-groups", true, LiteSubscriptionMode.Exclusive, 3), (created.Group.BindTopic, created.Group.Fifo, created.Group.LiteMode, created.Group.MaxDeliveryAttempts));

        var updated = await admin.UpdateGroupAsync(new UpdateGroupRequest { Group = new Group { Name = "sessions", BindTopic = "agents-groups", MaxDeliveryAttempts = 7 } }, Options(broker));
        Assert.Equal((false, LiteSubscriptionMode.Shared, 7), (updated.Group.Fifo, updated.Group.LiteMode, updated.Group.MaxDeliveryAttempts));
        Assert.True(broker.Engine.Topics.TryGetGroup("sessions", out var group));
        Assert.Equal(7, group.MaxDeliveryAttempts);

        var exists = await Assert.ThrowsAsync<RpcException>(() => admin.CreateGroupAsync(new CreateGroupRequest { Group = new Group { Name = "sessions" } }, Options(broker)).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => admin.UpdateGroupAsync(new UpdateGroupRequest { Group = new Group { Name = "nope" } }, Options(broker)).ResponseAsync);
        var attempts = await Assert.ThrowsAsync<RpcException>(() => admin.CreateGroupAsync(new CreateGroupRequest { Group = new Group { Name = "g", MaxDeliveryAttempts = 5000 } }, Options(broker)).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, StatusCode.NotFound, StatusCode.InvalidArgument), (exists.StatusCode, missing.StatusCode, attempts.StatusCode));

        await admin.DeleteGroupAsync(new DeleteGroupRequest { Group = "sessions" }, Options(broker));
        Assert.False(broker.Engine.Topics.TryGetGroup("sessions", out _));
        var gone = await Assert.ThrowsAsync<RpcException>(() => admin.DeleteGroupAsync(new DeleteGroupRequest { Group = "sessions" }, Options(broker)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }
}
