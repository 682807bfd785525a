using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using ProtoMessageType = Apache.Rocketmq.V2.MessageType;

namespace AgentBus.Server.Tests;

/// <summary>
/// The admin API's inspection and operation calls over real gRPC: topics, groups, one lite topic in detail, clients,
/// offset reset, lite topic deletion and broker stats, and their refusals as gRPC statuses logged at debug level.
/// </summary>
public sealed class AdminInspectionTests
{
    private const string Parent = "agents";
    private const string Group = "workers";

    private static async Task<TestBroker> StartAsync()
    {
        var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite, LiteTopicTtl: TimeSpan.FromHours(1)));
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent, MaxDeliveryAttempts: 5));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("sessions", BindTopic: Parent, Fifo: true, LiteMode: Broker.Topics.LiteSharingMode.Exclusive));
        return broker;
    }

    private static AdminService.AdminServiceClient Admin(TestBroker broker) => new(broker.Channel);

    private static CallOptions Options(TestClient client) => client.Options(TimeSpan.FromSeconds(10));

    /// <summary>Three messages on agent|a, one received and acknowledged by a live subscriber; one on agent|b.</summary>
    private static async Task<TestClient> SeedAsync(TestBroker broker)
    {
        var producer = broker.Client();
        for (int i = 0; i < 3; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, $"m{i}", liteTopic: "agent|a"));
        }

        await producer.SendOkAsync(TestClient.Message(Parent, "b", liteTopic: "agent|b"));
        var consumer = broker.Client();
        await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["agent|a"]);
        var received = await consumer.ReceiveAsync(Parent, Group, batch: 1, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(Code.Ok, await consumer.AckAsync(Parent, Group, [.. received.Messages]));
        return consumer;
    }

    [Fact]
    public async Task Topics_are_listed_and_described_with_what_they_hold()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        await SeedAsync(broker);

        var page = await Admin(broker).ListTopicsAsync(new ListTopicsRequest { PageSize = 1 }, Options(caller));
        var second = await Admin(broker).ListTopicsAsync(new ListTopicsRequest { PageSize = 1, PageToken = page.NextPageToken }, Options(caller));
        var described = (await Admin(broker).DescribeTopicAsync(new DescribeTopicRequest { Topic = Parent }, Options(caller))).Topic;

        Assert.Equal(["agents"], page.Topics.Select(t => t.Name));
        Assert.Equal(["orders"], second.Topics.Select(t => t.Name));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal((ProtoMessageType.Normal, 2), (second.Topics[0].MessageType, second.Topics[0].QueueCount));
        Assert.Equal((ProtoMessageType.Lite, 4L, 2, 3600.0), (described.MessageType, described.MessageCount, described.LiteTopicCount, described.LiteTopicTtl.ToTimeSpan().TotalSeconds));
        Assert.Equal(["sessions", "workers"], described.Groups);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).DescribeTopicAsync(new DescribeTopicRequest { Topic = "nope" }, Options(caller)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Groups_are_listed_and_described_with_their_backlog()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        await SeedAsync(broker);

        var groups = await Admin(broker).ListGroupsAsync(new ListGroupsRequest(), Options(caller));
        var workers = (await Admin(broker).DescribeGroupAsync(new DescribeGroupRequest { ConsumerGroup = Group }, Options(caller))).Group;

        Assert.Equal(["sessions", "workers"], groups.Groups.Select(g => g.Name));
        var sessions = groups.Groups[0];
        Assert.Equal((true, Protocol.Admin.LiteSubscriptionMode.Exclusive, 0), (sessions.Fifo, sessions.LiteMode, sessions.LiveClientCount));
        Assert.Equal((Parent, 5, 1), (workers.BindTopic, workers.MaxDeliveryAttempts, workers.LiveClientCount));
        var backlog = Assert.Single(workers.Backlog);
        // agent|a: 2 of 3 unacknowledged; agent|b: the group has no position there, so its one message counts.
        Assert.Equal((Parent, 3L, 2, 0L), (backlog.Topic, backlog.Backlog, backlog.QueuesWithBacklog, backlog.Inflight));
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).DescribeGroupAsync(new DescribeGroupRequest { ConsumerGroup = "nobody" }, Options(caller)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_lite_topic_is_described_with_positions_subscribers_and_ttl()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        var consumer = await SeedAsync(broker);

        var detail = await Admin(broker).DescribeLiteTopicAsync(new DescribeLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|a" }, Options(caller));

        Assert.Equal(("agent|a", 0L, 3L), (detail.Name, detail.MinOffset, detail.MaxOffset));
        Assert.Equal(TimeSpan.FromHours(1), detail.Ttl.ToTimeSpan());
        Assert.InRange(detail.TtlRemaining.ToTimeSpan(), TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.Equal(["sessions", "workers"], detail.Groups.Select(g => g.ConsumerGroup));
        Assert.False(detail.Groups[0].HasCommittedOffset);
        Assert.Equal((1L, 2L), (detail.Groups[1].CommittedOffset, detail.Groups[1].Backlog));
        var subscriber = Assert.Single(detail.Subscribers);
        Assert.Equal((consumer.ClientId, Group, true), (subscriber.ClientId, subscriber.ConsumerGroup, subscriber.Live));
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).DescribeLiteTopicAsync(new DescribeLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|none" }, Options(caller)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains(broker.Logs, e => e.Level == LogLevel.Debug && e.Message.Contains("agent|none", StringComparison.Ordinal));
        Assert.DoesNotContain(broker.Logs, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Clients_are_listed_with_subscriptions_ready_set_and_inflight_deliveries()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        var consumer = await SeedAsync(broker);
        // One delivery held, not acknowledged.
        var held = await consumer.ReceiveAsync(Parent, Group, batch: 1, poll: TimeSpan.FromSeconds(5));
        Assert.Single(held.Messages);

        var all = await Admin(broker).ListClientsAsync(new ListClientsRequest(), Options(caller));
        var ofGroup = await Admin(broker).ListClientsAsync(new ListClientsRequest { ConsumerGroup = Group, PageSize = 1 }, Options(caller));

        var entry = Assert.Single(ofGroup.Clients);
        Assert.Equal((consumer.ClientId, Group, Parent, 1, 1), (entry.ClientId, entry.ConsumerGroup, entry.BindTopic, entry.LiteSubscriptionCount, entry.InflightDeliveries));
        Assert.InRange(entry.LastHeartbeat.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("", ofGroup.NextPageToken);
        // The producer and the consumer; a caller of the admin API alone is not a client of the broker's.
        Assert.Equal(2, all.Clients.Count);
        Assert.DoesNotContain(all.Clients, c => c.ClientId == caller.ClientId);
        Assert.True(all.Clients.Select(c => c.ClientId).SequenceEqual(all.Clients.Select(c => c.ClientId).Order(StringComparer.Ordinal)));
        var paged = await Admin(broker).ListClientsAsync(new ListClientsRequest { PageSize = 1 }, Options(caller));
        var rest = await Admin(broker).ListClientsAsync(new ListClientsRequest { PageSize = 1000, PageToken = paged.NextPageToken }, Options(caller));
        Assert.Equal(all.Clients.Select(c => c.ClientId), paged.Clients.Concat(rest.Clients).Select(c => c.ClientId));
    }

    [Fact]
    public async Task Reset_offset_replays_or_skips_and_refuses_what_does_not_fit()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        var consumer = await SeedAsync(broker);
        var request = new ResetOffsetRequest { ParentTopic = Parent, LiteTopic = "agent|a", ConsumerGroup = Group, Position = ResetPosition.Min };

        var toMin = await Admin(broker).ResetOffsetAsync(request, Options(caller));
        var replayed = await consumer.ReceiveAsync(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(5));
        request.Position = ResetPosition.Max;
        var toMax = await Admin(broker).ResetOffsetAsync(request, Options(caller));
        request.Position = ResetPosition.Offset;
        request.Offset = 2;
        var toTwo = await Admin(broker).ResetOffsetAsync(request, Options(caller));

        Assert.Equal((1L, 0L), (toMin.PreviousOffset, toMin.CommittedOffset));
        Assert.Equal(["m0", "m1", "m2"], replayed.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal((0L, 3L), (toMax.PreviousOffset, toMax.CommittedOffset));
        Assert.Equal((3L, 2L, 0L, 3L), (toTwo.PreviousOffset, toTwo.CommittedOffset, toTwo.MinOffset, toTwo.MaxOffset));
        Assert.Equal(2L, broker.Engine.LiteOffsets(Parent, "agent|a", Group)!.Value.Committed);

        broker.Engine.Topics.CreateTopic(new TopicDefinition("other", TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("elsewhere", BindTopic: "other"));
        await AssertRefused(StatusCode.OutOfRange, "outside", request.Clone().With(r => r.Offset = 9));
        await AssertRefused(StatusCode.InvalidArgument, "position", request.Clone().With(r => r.Position = ResetPosition.Unspecified));
        await AssertRefused(StatusCode.NotFound, "nobody", request.Clone().With(r => r.ConsumerGroup = "nobody"));
        await AssertRefused(StatusCode.FailedPrecondition, "bound to topic 'other'", request.Clone().With(r => r.ConsumerGroup = "elsewhere"));
        await AssertRefused(StatusCode.NotFound, "agent|none", request.Clone().With(r => r.LiteTopic = "agent|none"));
        Assert.DoesNotContain(broker.Logs, e => e.Level >= LogLevel.Warning);

        async Task AssertRefused(StatusCode code, string reason, ResetOffsetRequest bad)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ResetOffsetAsync(bad, Options(caller)).ResponseAsync);
            Assert.Equal(code, refused.StatusCode);
            Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Delete_lite_topic_refuses_a_subscribed_one_and_deletes_for_good()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        await SeedAsync(broker);

        var subscribed = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).DeleteLiteTopicAsync(new DeleteLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|a" }, Options(caller)).ResponseAsync);
        var deleted = await Admin(broker).DeleteLiteTopicAsync(new DeleteLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|b" }, Options(caller));
        var again = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).DeleteLiteTopicAsync(new DeleteLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|b" }, Options(caller)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, subscribed.StatusCode);
        Assert.Contains("1 subscribing client", subscribed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1L, deleted.DroppedMessages);
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
        await broker.RestartAsync();
        var listed = await Admin(broker).ListLiteTopicsAsync(new ListLiteTopicsRequest { ParentTopic = Parent }, Options(broker.Client()));
        Assert.Equal(["agent|a"], listed.LiteTopics.Select(t => t.Name));
    }

    [Fact]
    public async Task Broker_stats_count_messages_in_and_out_and_what_is_held()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        await SeedAsync(broker);

        var stats = await Admin(broker).GetBrokerStatsAsync(new GetBrokerStatsRequest(), Options(caller));

        Assert.Equal((4L, 7L, 1L, 1L), (stats.MessagesIn, stats.BytesIn, stats.MessagesOut, stats.MessagesAcked));
        Assert.Equal((2, 2, 2, 1, 1), (stats.TopicCount, stats.GroupCount, stats.LiteTopicCount, stats.LiteSubscriptionCount, stats.LiteClientCount));
        Assert.Equal(2, stats.ClientCount);
        Assert.True(stats.CommitLogBytes > 0);
        Assert.True(stats.SegmentCount >= 1);
        Assert.InRange(stats.StartTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Dead_letters_are_listed_replayed_to_their_lite_topic_and_purged_for_good()
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();
        var producer = broker.Client();
        await producer.SendOkAsync(TestClient.Message(Parent, "poison-1", liteTopic: "agent|a"));
        await producer.SendOkAsync(TestClient.Message(Parent, "poison-2", liteTopic: "agent|a"));
        var engine = broker.Engine;
        engine.SyncLiteSubscription("c1", Group, Parent, Broker.Subscriptions.LiteSyncAction.PartialAdd, ["agent|a"]);
        var deliveries = await engine.ReceiveLiteAsync("c1", Group, Parent, 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
        Assert.Equal(2, deliveries.Count);
        foreach (var delivery in deliveries)
        {
            engine.ForwardToDeadLetter(Group, delivery.ReceiptHandle);
        }

        var listed = await Admin(broker).ListDeadLettersAsync(new ListDeadLettersRequest { ConsumerGroup = Group }, Options(caller));
        var replay = await Admin(broker).ReplayDeadLettersAsync(new ReplayDeadLettersRequest { ConsumerGroup = Group, MaxMessages = 1 }, Options(caller));
        var afterReplay = await Admin(broker).ListDeadLettersAsync(new ListDeadLettersRequest { ConsumerGroup = Group }, Options(caller));
        var replayed = await Admin(broker).PeekLiteTopicAsync(new PeekLiteTopicRequest { ParentTopic = Parent, LiteTopic = "agent|a", FromOffset = 2 }, Options(caller));
        var purge = await Admin(broker).PurgeDeadLettersAsync(new PurgeDeadLettersRequest { ConsumerGroup = Group }, Options(caller));
        await broker.RestartAsync();
        var afterRestart = await Admin(broker).ListDeadLettersAsync(new ListDeadLettersRequest { ConsumerGroup = Group }, Options(broker.Client()));

        Assert.Equal(["poison-1", "poison-2"], listed.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.All(listed.Messages, m => Assert.Equal(("agents", "agent|a"), (m.UserProperties["DLQ_ORIGIN_TOPIC"], m.UserProperties["DLQ_ORIGIN_LITE_TOPIC"])));
        Assert.Equal((0L, 2L), (listed.FirstPending, listed.MaxOffset));
        Assert.Equal((1, 1L), (replay.Replayed, replay.Remaining));
        Assert.Equal(["poison-2"], afterReplay.Messages.Select(m => m.Body.ToStringUtf8()));
        var back = Assert.Single(replayed.Messages);
        Assert.Equal("poison-1", back.Body.ToStringUtf8());
        Assert.False(back.UserProperties.ContainsKey("DLQ_ORIGIN_TOPIC"));
        Assert.Equal(1L, purge.Purged);
        Assert.Empty(afterRestart.Messages);
        Assert.Equal((2L, 2L), (afterRestart.FirstPending, afterRestart.MaxOffset));

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).ListDeadLettersAsync(new ListDeadLettersRequest { ConsumerGroup = "nobody" }, Options(broker.Client())).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var none = await Admin(broker).ReplayDeadLettersAsync(new ReplayDeadLettersRequest { ConsumerGroup = "sessions" }, Options(broker.Client()));
        Assert.Equal((0, 0L), (none.Replayed, none.Remaining));
    }

    [Fact]
    public async Task A_replay_refused_for_a_huge_group_name_keeps_its_status_detail_short_and_the_connection_serves_on()
    {
        await using var broker = await StartAsync();
        var client = broker.Client();

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).ReplayDeadLettersAsync(new ReplayDeadLettersRequest { ConsumerGroup = new string('g', 100_000) }, Options(client)).ResponseAsync);

        Assert.NotEqual(StatusCode.Internal, refused.StatusCode);
        Assert.InRange(refused.Status.Detail.Length, 1, 1100);
        Assert.NotNull(await Admin(broker).GetBrokerStatsAsync(new GetBrokerStatsRequest(), Options(client)));
    }

    [Theory]
    [InlineData(0, "not a token!")]
    [InlineData(1001, "")]
    public async Task Listing_refusals_are_invalid_argument(int pageSize, string token)
    {
        await using var broker = await StartAsync();
        var caller = broker.Client();

        var topics = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListTopicsAsync(new ListTopicsRequest { PageSize = pageSize, PageToken = token }, Options(caller)).ResponseAsync);
        var groups = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListGroupsAsync(new ListGroupsRequest { PageSize = pageSize, PageToken = token }, Options(caller)).ResponseAsync);
        var clients = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListClientsAsync(new ListClientsRequest { PageSize = pageSize, PageToken = token }, Options(caller)).ResponseAsync);

        Assert.All([topics, groups, clients], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.DoesNotContain(broker.Logs, e => e.Level >= LogLevel.Warning);
    }
}

internal static class RequestExtensions
{
    public static T With<T>(this T request, Action<T> change)
    {
        change(request);
        return request;
    }
}
