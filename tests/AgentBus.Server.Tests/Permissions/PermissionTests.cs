using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AgentBus.Server.Tests.Permissions.Policies;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>
/// Server:Auth permissions: alice, signed in, may not read, join, settle, write or impersonate what only bob may; each
/// refusal is FORBIDDEN in the response status and changes nothing; what each may do still works.
/// </summary>
public sealed class PermissionTests
{
    [Fact]
    public async Task Alice_cannot_subscribe_to_bobs_lite_topic()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));

        var partial = await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["bob|inbox"]);
        var mixed = await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.CompleteAdd, ["alice|inbox", "bob|inbox"]);
        Assert.Empty(broker.Engine.LiteSubscriptionsOf(alice.ClientId));
        var own = await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["alice|inbox"]);

        AssertForbidden(partial, "bob|inbox");
        AssertForbidden(mixed, "bob|inbox");
        Assert.Equal(Code.Ok, own.Code);
        Assert.Equal(["alice|inbox"], broker.Engine.LiteSubscriptionsOf(alice.ClientId));
    }

    [Fact]
    public async Task Alice_cannot_join_bobs_consumer_group()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));
        var bob = broker.Client(sign: As("bob"));

        var sync = await alice.SyncLiteAsync(Parent, "bob-g", LiteSubscriptionAction.PartialAdd, ["alice|inbox"]);
        var receive = await alice.ReceiveAsync(Parent, "bob-g", poll: TimeSpan.FromMilliseconds(100));
        var assignment = await alice.Stub.QueryAssignmentAsync(
            new QueryAssignmentRequest { Topic = TestClient.Res(Parent), Group = TestClient.Res("bob-g") }, alice.Options());
        var bobsAssignment = await bob.Stub.QueryAssignmentAsync(
            new QueryAssignmentRequest { Topic = TestClient.Res(Parent), Group = TestClient.Res("bob-g") }, bob.Options());

        AssertForbidden(sync, "bob-g");
        AssertForbidden(Assert.Single(receive.Responses).Status, "bob-g");
        AssertForbidden(assignment.Status, "bob-g");
        Assert.Equal(Code.Ok, bobsAssignment.Status.Code);
    }

    [Fact]
    public async Task Alice_cannot_settle_bobs_deliveries()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));
        var bob = broker.Client(sign: As("bob"));
        Assert.Equal(Code.Ok, (await bob.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["bob|inbox"])).Code);
        await bob.SendOkAsync(TestClient.Message(Parent, "for bob", liteTopic: "bob|inbox"));
        var delivered = Assert.Single((await bob.ReceiveAsync(Parent, SharedGroup)).Messages);
        string handle = delivered.SystemProperties.ReceiptHandle;

        // The shared group is alice's too: the delivery's lite topic refuses her. Bob's own group refuses her anyway.
        var ackShared = await alice.AckAsync(Parent, SharedGroup, delivered);
        var ackBobsGroup = await alice.AckAsync(Parent, "bob-g", delivered);
        var change = await alice.Stub.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = TestClient.Res(SharedGroup),
            Topic = TestClient.Res(Parent),
            ReceiptHandle = handle,
            MessageId = delivered.SystemProperties.MessageId,
            InvisibleDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.Zero),
        }, alice.Options());
        var forward = await alice.Stub.ForwardMessageToDeadLetterQueueAsync(new ForwardMessageToDeadLetterQueueRequest
        {
            Group = TestClient.Res(SharedGroup),
            Topic = TestClient.Res(Parent),
            ReceiptHandle = handle,
            MessageId = delivered.SystemProperties.MessageId,
        }, alice.Options());

        Assert.Equal(Code.Forbidden, ackShared);
        Assert.Equal(Code.Forbidden, ackBobsGroup);
        AssertForbidden(change.Status, "bob|inbox");
        AssertForbidden(forward.Status, "bob|inbox");
        // Untouched: bob's handle still settles his delivery, and nothing reached the dead-letter queue.
        Assert.Equal(Code.Ok, await bob.AckAsync(Parent, SharedGroup, delivered));
        Assert.False(broker.Engine.Topics.TryGetTopic(Broker.BrokerEngine.DeadLetterTopic(SharedGroup), out _));
    }

    [Fact]
    public async Task Alice_cannot_publish_to_bobs_lite_topic()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));
        var bob = broker.Client(sign: As("bob"));
        Assert.Equal(Code.Ok, (await bob.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["bob|inbox"])).Code);

        var single = await alice.SendAsync(TestClient.Message(Parent, "injected", liteTopic: "bob|inbox"));
        var batch = await alice.SendAsync(TestClient.Message(Parent, "mine", liteTopic: "alice|inbox"), TestClient.Message(Parent, "injected", liteTopic: "bob|inbox"));
        var own = await alice.SendAsync(TestClient.Message(Parent, "mine", liteTopic: "alice|inbox"));

        AssertForbidden(single.Status, "bob|inbox");
        Assert.Empty(single.Entries);
        AssertForbidden(batch.Status, "bob|inbox");
        Assert.Equal(Code.Ok, own.Status.Code);
        Assert.Equal(Code.MessageNotFound, (await bob.ReceiveAsync(Parent, SharedGroup, poll: TimeSpan.FromMilliseconds(200))).Status!.Code);
        // The refused batch stored nothing, not even its permitted message: alice's lite topic holds one message.
        var offsets = broker.Engine.LiteOffsets(Parent, "alice|inbox", SharedGroup)!.Value;
        Assert.Equal((0L, 1L), (offsets.Min, offsets.Max));
    }

    [Fact]
    public async Task Alice_cannot_use_bobs_client_id()
    {
        await using var broker = await StartAsync();
        var bob = broker.Client(sign: As("bob"));
        var impostor = broker.Client(bob.ClientId, sign: As("alice"));
        Assert.Equal(Code.Ok, (await bob.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.LitePushConsumer }, bob.Options())).Status.Code);
        Assert.Equal(Code.Ok, (await bob.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["bob|inbox"])).Code);

        var remove = await impostor.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.CompleteRemove, []);
        var terminate = await impostor.Stub.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), impostor.Options());
        var heartbeat = await impostor.Stub.HeartbeatAsync(new HeartbeatRequest(), impostor.Options());
        using var telemetry = impostor.Stub.Telemetry(impostor.Options());
        Assert.True(await telemetry.ResponseStream.MoveNext());
        var telemetryStatus = telemetry.ResponseStream.Current.Status;
        Assert.False(await telemetry.ResponseStream.MoveNext());

        AssertForbidden(remove, "another user");
        AssertForbidden(terminate.Status, "another user");
        AssertForbidden(heartbeat.Status, "another user");
        AssertForbidden(telemetryStatus, "another user");
        Assert.Equal(["bob|inbox"], broker.Engine.LiteSubscriptionsOf(bob.ClientId));
        Assert.NotNull(broker.Services.GetRequiredService<Clients.ClientRegistry>().Find(bob.ClientId));
        Assert.Equal(Code.Ok, (await bob.Stub.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), bob.Options())).Status.Code);
    }

    [Fact]
    public async Task A_route_needs_some_permission_on_its_topic()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));
        var bob = broker.Client(sign: As("bob"));

        var alicesOrders = await alice.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, alice.Options());
        var alicesAgents = await alice.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res(Parent) }, alice.Options());
        var bobsOrders = await bob.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, bob.Options());

        AssertForbidden(alicesOrders.Status, "orders");
        Assert.Equal(Code.Ok, alicesAgents.Status.Code);
        Assert.Equal(Code.Ok, bobsOrders.Status.Code);
    }

    [Fact]
    public async Task Normal_topics_are_guarded_by_topic_and_group()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client(sign: As("alice"));
        var bob = broker.Client(sign: As("bob"));

        var send = await alice.SendAsync(TestClient.Message("orders", "injected"));
        var receive = await alice.ReceiveAsync("orders", "bob-orders", poll: TimeSpan.FromMilliseconds(100));
        await bob.SendOkAsync(TestClient.Message("orders", "order 1"));
        var bobsOtherGroup = await bob.ReceiveAsync("orders", "billing", poll: TimeSpan.FromMilliseconds(100));
        var bobs = await bob.ReceiveAsync("orders", "bob-orders");

        AssertForbidden(send.Status, "orders");
        AssertForbidden(Assert.Single(receive.Responses).Status, "orders");
        AssertForbidden(bobsOtherGroup.Status!, "billing");
        Assert.Equal(["order 1"], bobs.Bodies);
        Assert.Equal(Code.Ok, await bob.AckAsync("orders", "bob-orders", [.. bobs.Messages]));
    }

    [Fact]
    public async Task A_user_without_permissions_may_do_nothing_unless_default_allow_says_so()
    {
        await using var strict = await TestBroker.StartAsync(configureServer: server =>
        {
            server.Auth.Enabled = true;
            server.Auth.Users.Add(User("dave"));
        });
        await using var lenient = await TestBroker.StartAsync(configureServer: server =>
        {
            server.Auth.Enabled = true;
            server.Auth.DefaultAllow = true;
            server.Auth.Users.Add(User("dave"));
            server.Auth.Users.Add(User("erin", Grant(AuthActions.Subscribe, "other")));
        });

        var refused = await strict.Client(sign: As("dave")).SendAsync(TestClient.Message("orders", "hello"));
        var allowed = await lenient.Client(sign: As("dave")).SendAsync(TestClient.Message("orders", "hello"));
        var restricted = await lenient.Client(sign: As("erin")).SendAsync(TestClient.Message("orders", "hello"));

        AssertForbidden(refused.Status, "orders");
        Assert.Equal(Code.Ok, allowed.Status.Code);
        AssertForbidden(restricted.Status, "orders");
    }

    [Fact]
    public async Task Refusals_are_logged_as_information_naming_user_and_client()
    {
        await using var broker = await StartAsync(LogLevel.Information);
        var alice = broker.Client(sign: As("alice"));

        AssertForbidden((await alice.SendAsync(TestClient.Message("orders", "injected"))).Status, "orders");

        var entry = Assert.Single(broker.Logs, e => e.Message.Contains("refused as forbidden", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains("access key alice", entry.Message, StringComparison.Ordinal);
        Assert.Contains(alice.ClientId, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Logs, e => e.Level >= LogLevel.Warning);
    }

    internal static async Task<TestBroker> StartAsync(LogLevel level = LogLevel.Warning)
    {
        var broker = await TestBroker.StartAsync(configureServer: AliceAndBob, minimumLogLevel: level);
        var topics = broker.Engine.Topics;
        topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        topics.CreateGroup(new ConsumerGroupDefinition(SharedGroup, Parent));
        topics.CreateGroup(new ConsumerGroupDefinition("bob-g", Parent));
        return broker;
    }

    internal static void AssertForbidden(Status status, string mentioned)
    {
        Assert.Equal(Code.Forbidden, status.Code);
        Assert.Contains(mentioned, status.Message, StringComparison.Ordinal);
    }
}
