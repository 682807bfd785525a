using System.Diagnostics;
using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;

namespace AgentBus.Server.Tests;

public sealed class ErrorTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task A_call_without_a_client_id_is_refused_with_client_id_required()
    {
        var broker = shared.Broker;
        var stub = new MessagingService.MessagingServiceClient(broker.Channel);
        var noId = new CallOptions(new Metadata(), DateTime.UtcNow.AddSeconds(10));

        var route = await stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("no-client-id") }, noId);
        var send = await stub.SendMessageAsync(new SendMessageRequest { Messages = { TestClient.Message("no-client-id", "x") } }, noId);
        using var receive = stub.ReceiveMessage(TestClient.ReceiveRequest("no-client-id", "g"), noId);
        var receiveResponses = await receive.ResponseStream.ReadAllAsync().ToListAsync();
        using var telemetry = stub.Telemetry(noId);
        Assert.True(await telemetry.ResponseStream.MoveNext());

        Assert.Equal(Code.ClientIdRequired, route.Status.Code);
        Assert.Equal(Code.ClientIdRequired, send.Status.Code);
        Assert.Equal(Code.ClientIdRequired, Assert.Single(receiveResponses).Status.Code);
        Assert.Equal(Code.ClientIdRequired, telemetry.ResponseStream.Current.Status.Code);
    }

    [Fact]
    public async Task Illegal_lite_topic_names_are_refused_on_send_and_subscribe()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var client = broker.Client();

        var badChars = await client.SendAsync(TestClient.Message("agents", "x", liteTopic: "no spaces!"));
        var tooLong = await client.SendAsync(TestClient.Message("agents", "x", liteTopic: new string('a', 65)));
        var subscribe = await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["bad/name"]);

        Assert.Equal(Code.IllegalLiteTopic, badChars.Status.Code);
        Assert.Equal(Code.IllegalLiteTopic, tooLong.Status.Code);
        Assert.Equal(Code.IllegalLiteTopic, subscribe.Code);
    }

    [Fact]
    public async Task Lite_quotas_are_refused_with_their_exact_codes()
    {
        await using var broker = await TestBroker.StartAsync(configure: o =>
        {
            o.MaxLiteSubscriptionsPerClient = 2;
            o.MaxLiteTopics = 3;
        });
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var client = broker.Client();

        Assert.Equal(Code.Ok, (await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["a", "b"])).Code);
        var overSubscribed = await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["c"]);
        Assert.Equal(Code.LiteSubscriptionQuotaExceeded, overSubscribed.Code);

        var producer = broker.Client();
        await producer.SendOkAsync(TestClient.Message("agents", "1", liteTopic: "x"));
        var overTopics = await producer.SendAsync(TestClient.Message("agents", "2", liteTopic: "y"));
        Assert.Equal(Code.LiteTopicQuotaExceeded, overTopics.Status.Code);
    }

    [Fact]
    public async Task A_forged_receipt_handle_is_refused_per_entry()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var request = new AckMessageRequest { Group = TestClient.Res("g"), Topic = TestClient.Res("forged") };
        request.Entries.Add(new AckMessageEntry { MessageId = "m", ReceiptHandle = "forged-handle" });
        request.Entries.Add(new AckMessageEntry { MessageId = "n", ReceiptHandle = "" });

        var response = await client.Stub.AckMessageAsync(request, client.Options());
        var change = await client.Stub.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = TestClient.Res("g"),
            Topic = TestClient.Res("forged"),
            ReceiptHandle = "forged-handle",
            InvisibleDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
        }, client.Options());

        Assert.Equal(Code.InvalidReceiptHandle, response.Status.Code);
        Assert.All(response.Entries, e => Assert.Equal(Code.InvalidReceiptHandle, e.Status.Code));
        Assert.Equal(Code.InvalidReceiptHandle, change.Status.Code);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_message_body_too_large()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.MaxMessageBodySize = 1024);
        var client = broker.Client();
        var message = TestClient.Message("t", "x");
        message.Body = ByteString.CopyFrom(new byte[2048]);

        var response = await client.SendAsync(message);

        Assert.Equal(Code.MessageBodyTooLarge, response.Status.Code);
    }

    [Fact]
    public async Task Unknown_topics_and_groups_are_not_found_when_auto_create_is_off()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.AutoCreate = false);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var client = broker.Client();

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("missing") }, client.Options());
        var send = await client.SendAsync(TestClient.Message("missing", "x"));
        var subscribe = await client.SyncLiteAsync("agents", "no-such-group", LiteSubscriptionAction.PartialAdd, ["a"]);
        var receive = await client.ReceiveAsync("missing", "g");

        Assert.Equal(Code.TopicNotFound, route.Status.Code);
        Assert.Equal(Code.TopicNotFound, send.Status.Code);
        Assert.Equal(Code.ConsumerGroupNotFound, subscribe.Code);
        Assert.Equal(Code.TopicNotFound, receive.Status!.Code);
    }

    [Fact]
    public async Task Malformed_requests_get_bad_request_family_codes()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        var empty = await client.SendAsync();
        var noTopic = await client.Stub.QueryRouteAsync(new QueryRouteRequest(), client.Options());
        var badTopic = await client.SendAsync(TestClient.Message("bad topic", "x"));
        var noId = TestClient.Message("malformed", "x");
        noId.SystemProperties.MessageId = "";
        var missingId = await client.SendAsync(noId);
        var badBatch = await client.ReceiveAsync(TestClient.ReceiveRequest("malformed", "g", batch: 0));
        var noGroup = await client.ReceiveAsync(TestClient.ReceiveRequest("malformed", ""));
        var sql = TestClient.ReceiveRequest("malformed", "g");
        sql.FilterExpression = new FilterExpression { Type = FilterType.Sql, Expression = "a > 1" };
        var sqlFilter = await client.ReceiveAsync(sql);
        var typeClash = await client.SendAsync(TestClient.Message("malformed", "x", messageGroup: "fifo-on-normal"));

        Assert.Equal(Code.BadRequest, empty.Status.Code);
        Assert.Equal(Code.IllegalTopic, noTopic.Status.Code);
        Assert.Equal(Code.IllegalTopic, badTopic.Status.Code);
        Assert.Equal(Code.IllegalMessageId, missingId.Status.Code);
        Assert.Equal(Code.BadRequest, badBatch.Status!.Code);
        Assert.Equal(Code.IllegalConsumerGroup, noGroup.Status!.Code);
        Assert.Equal(Code.Unsupported, sqlFilter.Status!.Code);
        Assert.Equal(Code.MessagePropertyConflictWithType, typeClash.Status.Code);
    }

    [Fact]
    public async Task Unsupported_rpcs_answer_at_once()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var timer = Stopwatch.StartNew();
        var options = client.Options(TimeSpan.FromSeconds(5));

        using var pull = client.Stub.PullMessage(new PullMessageRequest(), options);
        var pulled = await pull.ResponseStream.ReadAllAsync().ToListAsync();
        var codes = new[]
        {
            Assert.Single(pulled).Status.Code,
            (await client.Stub.UpdateOffsetAsync(new UpdateOffsetRequest(), options)).Status.Code,
            (await client.Stub.GetOffsetAsync(new GetOffsetRequest(), options)).Status.Code,
            (await client.Stub.QueryOffsetAsync(new QueryOffsetRequest(), options)).Status.Code,
            (await client.Stub.EndTransactionAsync(new EndTransactionRequest(), options)).Status.Code,
            (await client.Stub.RecallMessageAsync(new RecallMessageRequest(), options)).Status.Code,
        };

        Assert.All(codes, code => Assert.Equal(Code.NotImplemented, code));
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(5));
    }
}
