using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Server.Tests;

public sealed class RouteAndTelemetryTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task QueryRoute_names_this_broker_and_the_topics_queues()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders-route", TopicMessageType.Normal, QueueCount: 3));
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents-route", TopicMessageType.Lite));
        var client = broker.Client();

        var normal = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders-route") }, client.Options());
        Assert.Equal(Code.Ok, normal.Status.Code);
        Assert.Equal([0, 1, 2], normal.MessageQueues.Select(q => q.Id));
        var queue = normal.MessageQueues[0];
        Assert.Equal(Permission.ReadWrite, queue.Permission);
        Assert.Equal([MessageType.Normal], queue.AcceptMessageTypes);
        var address = Assert.Single(queue.Broker.Endpoints.Addresses);
        Assert.Equal("127.0.0.1", address.Host);
        Assert.Equal(broker.Broker.Port, address.Port);
        Assert.Equal(AddressScheme.Ipv4, queue.Broker.Endpoints.Scheme);

        var lite = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("agents-route") }, client.Options());
        var liteQueue = Assert.Single(lite.MessageQueues);
        Assert.Equal(0, liteQueue.Id);
        Assert.Equal([MessageType.Lite], liteQueue.AcceptMessageTypes);
    }

    [Fact]
    public async Task QueryRoute_echoes_the_access_point_the_client_used()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var endpoints = new Endpoints { Scheme = AddressScheme.DomainName };
        endpoints.Addresses.Add(new Address { Host = "localhost", Port = broker.Broker.Port });

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("fresh-echo"), Endpoints = endpoints }, client.Options());

        Assert.Equal(Code.Ok, route.Status.Code);
        Assert.Equal("localhost", route.MessageQueues[0].Broker.Endpoints.Addresses[0].Host);
        Assert.Contains(MessageType.Lite, route.MessageQueues[0].AcceptMessageTypes);
    }

    [Fact]
    public async Task QueryAssignment_gives_push_consumers_the_virtual_queue()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents-assignment", TopicMessageType.Lite));
        var client = broker.Client();

        var response = await client.Stub.QueryAssignmentAsync(
            new QueryAssignmentRequest { Topic = TestClient.Res("agents-assignment"), Group = TestClient.Res("g-assignment") }, client.Options());

        Assert.Equal(Code.Ok, response.Status.Code);
        var assignment = Assert.Single(response.Assignments);
        Assert.Equal(-1, assignment.MessageQueue.Id);
        Assert.Equal(Permission.Read, assignment.MessageQueue.Permission);
    }

    [Fact]
    public async Task Telemetry_answers_a_producers_settings_with_publishing_limits_and_backoff()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.MaxMessageBodySize = 1234);
        var client = broker.Client();
        using var call = client.Stub.Telemetry(client.Options());
        var settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() };
        settings.Publishing.Topics.Add(TestClient.Res("orders"));

        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await call.ResponseStream.MoveNext());
        var reply = call.ResponseStream.Current;

        Assert.Equal(Code.Ok, reply.Status.Code);
        Assert.Equal(1234, reply.Settings.Publishing.MaxBodySize);
        Assert.True(reply.Settings.Publishing.ValidateMessageType);
        Assert.Equal("orders", reply.Settings.Publishing.Topics[0].Name);
        Assert.Equal(RetryPolicy.StrategyOneofCase.ExponentialBackoff, reply.Settings.BackoffPolicy.StrategyCase);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Telemetry_answers_a_lite_consumers_settings_with_quota_batch_and_long_polling()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.MaxLiteSubscriptionsPerClient = 77);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("workers", BindTopic: "agents", Fifo: true, MaxDeliveryAttempts: 5));
        var client = broker.Client();
        using var call = client.Stub.Telemetry(client.Options());

        var reply = await TelemetryHandshakeAsync(call, ClientType.LitePushConsumer, "workers", "agents");

        var subscription = reply.Settings.Subscription;
        Assert.True(subscription.Fifo);
        Assert.Equal(32, subscription.ReceiveBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(20), subscription.LongPollingTimeout.ToTimeSpan());
        Assert.Equal(77, subscription.LiteSubscriptionQuota);
        Assert.Equal(64, subscription.MaxLiteTopicSize);
        Assert.Equal(5, reply.Settings.BackoffPolicy.MaxAttempts);
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Heartbeat_and_termination_answer_ok()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        var heartbeat = await client.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, client.Options());
        var terminated = await client.Stub.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), client.Options());

        Assert.Equal(Code.Ok, heartbeat.Status.Code);
        Assert.Equal(Code.Ok, terminated.Status.Code);
    }

    internal static async Task<TelemetryCommand> TelemetryHandshakeAsync(AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand> call,
        ClientType type, string group, string topic)
    {
        var settings = new Settings { ClientType = type, Subscription = new Subscription { Group = TestClient.Res(group) } };
        settings.Subscription.Subscriptions.Add(new SubscriptionEntry
        {
            Topic = TestClient.Res(topic),
            Expression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
        });
        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await call.ResponseStream.MoveNext());
        var reply = call.ResponseStream.Current;
        Assert.Equal(Code.Ok, reply.Status.Code);
        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, reply.CommandCase);
        return reply;
    }
}
