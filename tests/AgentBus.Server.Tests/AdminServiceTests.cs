using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Server.Tests;

/// <summary>agentbus.v1.AdminService over real gRPC: listing and peeking lite topics, its refusals as gRPC statuses, and authentication.</summary>
public sealed class AdminServiceTests
{
    private const string Parent = "agents";
    private const string Group = "workers";

    private static async Task<TestBroker> StartAsync(Action<Hosting.ServerOptions>? configureServer = null)
    {
        var broker = await TestBroker.StartAsync(configureServer: configureServer, minimumLogLevel: LogLevel.Debug);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent));
        return broker;
    }

    private static AdminService.AdminServiceClient Admin(TestBroker broker) => new(broker.Channel);

    private static CallOptions Options(TestClient client) => client.Options(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Lite_topics_are_listed_page_by_page_in_name_order_with_their_state()
    {
        await using var broker = await StartAsync();
        var producer = broker.Client();
        for (int i = 4; i >= 0; i--)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: $"agent|a{i}"));
        }

        await producer.SendOkAsync(TestClient.Message(Parent, "again", liteTopic: "agent|a0"));
        var consumer = broker.Client();
        await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["agent|a0"]);
        var received = await consumer.ReceiveAsync(Parent, Group, batch: 1, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(Code.Ok, await consumer.AckAsync(Parent, Group, [.. received.Messages]));

        var names = new List<string>();
        var request = new ListLiteTopicsRequest { ParentTopic = Parent, Prefix = "agent|", PageSize = 2, ConsumerGroup = Group };
        var pages = new List<ListLiteTopicsResponse>();
        do
        {
            var page = await Admin(broker).ListLiteTopicsAsync(request, Options(producer));
            pages.Add(page);
            names.AddRange(page.LiteTopics.Select(t => t.Name));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(["agent|a0", "agent|a1", "agent|a2", "agent|a3", "agent|a4"], names);
        Assert.Equal([2, 2, 1], pages.Select(p => p.LiteTopics.Count));
        var first = pages[0].LiteTopics[0];
        Assert.Equal((0L, 2L, 1, 1L), (first.MinOffset, first.MaxOffset, first.LiveSubscriberCount, first.CommittedOffset));
        Assert.InRange(first.LastWriteTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        var unsubscribed = pages[0].LiteTopics[1];
        Assert.Equal((0, false), (unsubscribed.LiveSubscriberCount, unsubscribed.HasCommittedOffset));
    }

    [Fact]
    public async Task Subscribed_only_lists_what_live_clients_subscribe_until_they_terminate()
    {
        await using var broker = await StartAsync();
        var producer = broker.Client();
        await producer.SendOkAsync(TestClient.Message(Parent, "queued", liteTopic: "agent|offline"));
        var consumer = broker.Client();
        await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["agent|online"]);
        var request = new ListLiteTopicsRequest { ParentTopic = Parent, SubscribedOnly = true };

        var live = await Admin(broker).ListLiteTopicsAsync(request, Options(producer));
        await consumer.Stub.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), consumer.Options());
        var afterTermination = await Admin(broker).ListLiteTopicsAsync(request, Options(producer));

        var online = Assert.Single(live.LiteTopics);
        Assert.Equal(("agent|online", 1), (online.Name, online.LiveSubscriberCount));
        Assert.Empty(live.NextPageToken);
        Assert.Empty(afterTermination.LiteTopics);
    }

    [Theory]
    [InlineData("", "", 0, "", StatusCode.InvalidArgument, "parent_topic is required")]
    [InlineData("missing", "", 0, "", StatusCode.NotFound, "'missing' does not exist")]
    [InlineData("orders", "", 0, "", StatusCode.FailedPrecondition, "not a lite parent topic")]
    [InlineData(Parent, "", -1, "", StatusCode.InvalidArgument, "page_size -1 is out of range")]
    [InlineData(Parent, "", 1001, "", StatusCode.InvalidArgument, "page_size 1001 is out of range")]
    [InlineData(Parent, "", 0, "not a token!", StatusCode.InvalidArgument, "page_token")]
    [InlineData(Parent, "", 0, "YWdlbnR8YQ", StatusCode.InvalidArgument, "page_token")]
    [InlineData(Parent, "agent/", 0, "", StatusCode.InvalidArgument, "prefix 'agent/'")]
    public async Task A_bad_request_ends_with_a_grpc_status_saying_what_is_wrong_and_logs_no_warning(string parent, string prefix, int pageSize,
        string token, StatusCode expected, string reason)
    {
        await using var broker = await StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var request = new ListLiteTopicsRequest { ParentTopic = parent, Prefix = prefix, PageSize = pageSize, PageToken = token };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListLiteTopicsAsync(request, Options(broker.Client())).ResponseAsync);

        Assert.Equal(expected, refused.StatusCode);
        Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Warning);
        Assert.Contains(broker.Logs, entry => entry.Level == LogLevel.Debug && entry.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refusal_quoting_a_huge_input_keeps_its_status_detail_short_and_the_connection_serves_on()
    {
        // Found by the protocol fuzzer (tests/AgentBus.Reliability.Tests): the detail quoted a 100,000-character prefix
        // whole, the grpc-message trailer outgrew the client's 64 KiB header limit, and the client dropped the connection
        // with every call on it instead of seeing INVALID_ARGUMENT.
        await using var broker = await StartAsync();
        var request = new ListLiteTopicsRequest { ParentTopic = Parent, Prefix = new string('/', 100_000) };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListLiteTopicsAsync(request, Options(broker.Client())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("prefix '///", refused.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("characters in all)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(refused.Status.Detail.Length < 1100, $"detail of {refused.Status.Detail.Length} characters");
        var page = await Admin(broker).ListLiteTopicsAsync(new ListLiteTopicsRequest { ParentTopic = Parent }, Options(broker.Client()));
        Assert.Empty(page.LiteTopics);
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task With_the_admin_service_off_its_calls_are_unimplemented_and_messaging_still_works()
    {
        await using var broker = await StartAsync(server => server.EnableAdminService = false);
        var client = broker.Client();

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).ListLiteTopicsAsync(new ListLiteTopicsRequest { ParentTopic = Parent }, Options(client)).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);
        await client.SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: "agent|a"));
    }

    [Fact]
    public async Task With_authentication_on_a_signed_call_is_served_and_others_are_unauthenticated()
    {
        await using var broker = await StartAsync(WithAuth);
        var request = new ListLiteTopicsRequest { ParentTopic = Parent };
        await broker.Client(sign: Signed()).SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: "agent|a"));

        var signed = await Admin(broker).ListLiteTopicsAsync(request, Options(broker.Client(sign: Signed())));
        var unsigned = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListLiteTopicsAsync(request, Options(broker.Client())).ResponseAsync);
        var wrongSecret = await Assert.ThrowsAsync<RpcException>(() =>
            Admin(broker).ListLiteTopicsAsync(request, Options(broker.Client(sign: Signed(secret: "not-the-secret")))).ResponseAsync);

        Assert.Equal("agent|a", Assert.Single(signed.LiteTopics).Name);
        Assert.Equal(StatusCode.Unauthenticated, unsigned.StatusCode);
        Assert.Contains("authorization header is required", unsigned.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, wrongSecret.StatusCode);
        Assert.DoesNotContain(SecretKey, string.Join("\n", broker.Logs.Select(entry => entry.Message)), StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_peek_returns_the_stored_messages_with_their_offsets_and_properties_and_consumes_nothing()
    {
        await using var broker = await StartAsync();
        var producer = broker.Client();
        for (int i = 0; i < 3; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, $"m{i}", liteTopic: "session|s1", tag: "t",
                properties: new Dictionary<string, string> { ["ab.kind"] = "message", ["n"] = $"{i}" }));
        }

        var consumer = broker.Client();
        await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["session|s1"]);

        var first = await Admin(broker).PeekLiteTopicAsync(
            new PeekLiteTopicRequest { ParentTopic = Parent, LiteTopic = "session|s1", MaxMessages = 2 }, Options(producer));
        var rest = await Admin(broker).PeekLiteTopicAsync(
            new PeekLiteTopicRequest { ParentTopic = Parent, LiteTopic = "session|s1", FromOffset = first.NextOffset }, Options(producer));
        var received = await consumer.ReceiveAsync(Parent, Group, batch: 10, poll: TimeSpan.FromSeconds(5));

        Assert.Equal(["m0", "m1"], first.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal((0L, 3L, 2L), (first.MinOffset, first.MaxOffset, first.NextOffset));
        var message = first.Messages[1];
        Assert.Equal((Parent, "session|s1", "t", 1L), (message.Topic.Name, message.SystemProperties.LiteTopic, message.SystemProperties.Tag, message.SystemProperties.QueueOffset));
        Assert.Equal("1", message.UserProperties["n"]);
        Assert.Empty(message.SystemProperties.ReceiptHandle);
        Assert.Equal(["m2"], rest.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal(3, rest.NextOffset);
        Assert.Equal(["m0", "m1", "m2"], received.Messages.Select(m => m.Body.ToStringUtf8()));
    }

    [Fact]
    public async Task A_lite_topic_that_does_not_exist_peeks_as_empty()
    {
        await using var broker = await StartAsync();

        var read = await Admin(broker).PeekLiteTopicAsync(
            new PeekLiteTopicRequest { ParentTopic = Parent, LiteTopic = "session|nobody", FromOffset = 7 }, Options(broker.Client()));

        Assert.Empty(read.Messages);
        Assert.Equal((0L, 0L, 7L), (read.MinOffset, read.MaxOffset, read.NextOffset));
    }

    [Theory]
    [InlineData("", "t", 0, 0, StatusCode.InvalidArgument, "parent_topic is required")]
    [InlineData("missing", "t", 0, 0, StatusCode.NotFound, "'missing' does not exist")]
    [InlineData("orders", "t", 0, 0, StatusCode.FailedPrecondition, "not a lite parent topic")]
    [InlineData(Parent, "", 0, 0, StatusCode.InvalidArgument, "lite_topic '' is not a lite topic name")]
    [InlineData(Parent, "a/b", 0, 0, StatusCode.InvalidArgument, "lite_topic 'a/b' is not a lite topic name")]
    [InlineData(Parent, "t", -1, 0, StatusCode.InvalidArgument, "from_offset -1 is negative")]
    [InlineData(Parent, "t", 0, -1, StatusCode.InvalidArgument, "max_messages -1 is out of range")]
    [InlineData(Parent, "t", 0, 1001, StatusCode.InvalidArgument, "max_messages 1001 is out of range")]
    public async Task A_bad_peek_ends_with_a_grpc_status_saying_what_is_wrong_and_logs_no_warning(string parent, string liteTopic, long from, int max,
        StatusCode expected, string reason)
    {
        await using var broker = await StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var request = new PeekLiteTopicRequest { ParentTopic = parent, LiteTopic = liteTopic, FromOffset = from, MaxMessages = max };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).PeekLiteTopicAsync(request, Options(broker.Client())).ResponseAsync);

        Assert.Equal(expected, refused.StatusCode);
        Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Warning);
    }
}
