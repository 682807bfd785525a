using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Tests;

public sealed class LiteTests
{
    private const string Parent = "agents";
    private const string Group = "workers";

    private static async Task<TestBroker> StartAsync(LiteSharingMode mode = LiteSharingMode.Shared)
    {
        var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent, LiteMode: mode));
        return broker;
    }

    [Fact]
    public async Task A_lite_consumer_receives_and_acks_messages_of_its_lite_topics()
    {
        await using var broker = await StartAsync();
        var consumer = broker.Client();
        Assert.Equal(Code.Ok, (await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["session-1"])).Code);

        var producer = broker.Client();
        var entry = await producer.SendOkAsync(TestClient.Message(Parent, "hi", liteTopic: "session-1"));
        var received = await consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));

        var message = Assert.Single(received.Messages);
        Assert.Equal("session-1", message.SystemProperties.LiteTopic);
        Assert.Equal(MessageType.Lite, message.SystemProperties.MessageType);
        Assert.Equal(entry.Offset, message.SystemProperties.QueueOffset);
        var ack = new AckMessageRequest { Group = TestClient.Res(Group), Topic = TestClient.Res(Parent) };
        ack.Entries.Add(new AckMessageEntry
        {
            MessageId = message.SystemProperties.MessageId,
            ReceiptHandle = message.SystemProperties.ReceiptHandle,
            LiteTopic = "session-1",
        });
        var acked = await consumer.Stub.AckMessageAsync(ack, consumer.Options());
        Assert.Equal(Code.Ok, acked.Status.Code);
        Assert.Equal(Code.Ok, Assert.Single(acked.Entries).Status.Code);
        Assert.Equal(0, broker.Engine.LiteBacklog(Parent, "session-1", Group));
    }

    [Fact]
    public async Task Messages_go_only_to_the_client_that_subscribes_the_lite_topic()
    {
        await using var broker = await StartAsync();
        var alice = broker.Client("alice");
        var bob = broker.Client("bob");
        await alice.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["reply-alice"]);
        await bob.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["reply-bob"]);

        var producer = broker.Client();
        await producer.SendOkAsync(TestClient.Message(Parent, "for alice", liteTopic: "reply-alice"));
        await producer.SendOkAsync(TestClient.Message(Parent, "for bob", liteTopic: "reply-bob"));

        var toAlice = await alice.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));
        var toBob = await bob.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(["for alice"], toAlice.Bodies);
        Assert.Equal(["for bob"], toBob.Bodies);
        var nothingMore = await alice.ReceiveAsync(Parent, Group, poll: TimeSpan.FromMilliseconds(200));
        Assert.Equal(Code.MessageNotFound, nothingMore.Status!.Code);
    }

    [Fact]
    public async Task A_waiting_lite_receive_wakes_on_a_new_message()
    {
        await using var broker = await StartAsync();
        var consumer = broker.Client();
        await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["chat"]);

        var waiting = consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(10));
        await broker.Client().SendOkAsync(TestClient.Message(Parent, "ping", liteTopic: "chat"));

        Assert.Equal(["ping"], (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Bodies);
    }

    [Fact]
    public async Task Sync_actions_add_remove_replace_and_clear_a_clients_lite_topics()
    {
        await using var broker = await StartAsync();
        var client = broker.Client();

        await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["a", "b", "c"]);
        Assert.Equal(["a", "b", "c"], broker.Engine.LiteSubscriptionsOf(client.ClientId).Order());

        await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialRemove, ["b"]);
        Assert.Equal(["a", "c"], broker.Engine.LiteSubscriptionsOf(client.ClientId).Order());

        await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, ["c", "d"]);
        Assert.Equal(["c", "d"], broker.Engine.LiteSubscriptionsOf(client.ClientId).Order());

        await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteRemove, []);
        Assert.Empty(broker.Engine.LiteSubscriptionsOf(client.ClientId));
    }

    [Fact]
    public async Task An_older_version_is_ignored()
    {
        await using var broker = await StartAsync();
        var client = broker.Client();

        await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, ["new"], version: 5);
        var stale = await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, ["old"], version: 4);

        Assert.Equal(Code.Ok, stale.Code);
        Assert.Equal(["new"], broker.Engine.LiteSubscriptionsOf(client.ClientId));
    }

    public static TheoryData<string, int[]> OffsetOptions => new()
    {
        { "min", [0, 1, 2, 3, 4] },
        { "max", [] },
        { "last", [0, 1, 2, 3, 4] },
        { "offset:3", [3, 4] },
        { "tail:2", [3, 4] },
        { "timestamp:0", [0, 1, 2, 3, 4] },
        { "timestamp:future", [] },
    };

    [Theory]
    [MemberData(nameof(OffsetOptions))]
    public async Task An_offset_option_sets_where_a_new_subscription_starts(string option, int[] expected)
    {
        await using var broker = await StartAsync();
        var producer = broker.Client();
        for (int i = 0; i < 5; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, $"{i}", liteTopic: "history"));
        }

        var offset = option switch
        {
            "min" => new OffsetOption { Policy = OffsetOption.Types.Policy.Min },
            "max" => new OffsetOption { Policy = OffsetOption.Types.Policy.Max },
            "last" => new OffsetOption { Policy = OffsetOption.Types.Policy.Last },
            "offset:3" => new OffsetOption { Offset = 3 },
            "tail:2" => new OffsetOption { TailN = 2 },
            "timestamp:0" => new OffsetOption { Timestamp = 0 },
            _ => new OffsetOption { Timestamp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() },
        };
        var consumer = broker.Client();
        Assert.Equal(Code.Ok, (await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["history"], offset)).Code);

        var received = await consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromMilliseconds(expected.Length == 0 ? 300 : 5000));

        Assert.Equal(expected.Select(i => $"{i}"), received.Bodies);
    }

    [Fact]
    public async Task Exclusive_mode_evicts_the_previous_subscriber_and_tells_it_over_telemetry()
    {
        await using var broker = await StartAsync(LiteSharingMode.Exclusive);
        var first = broker.Client("first");
        using var telemetry = first.Stub.Telemetry(first.Options());
        await RouteAndTelemetryTests.TelemetryHandshakeAsync(telemetry, ClientType.LitePushConsumer, Group, Parent);
        await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["desk"]);

        var second = broker.Client("second");
        Assert.Equal(Code.Ok, (await second.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["desk"])).Code);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.True(await telemetry.ResponseStream.MoveNext(timeout.Token));
        var command = telemetry.ResponseStream.Current;
        Assert.Equal(TelemetryCommand.CommandOneofCase.NotifyUnsubscribeLiteCommand, command.CommandCase);
        Assert.Equal("desk", command.NotifyUnsubscribeLiteCommand.LiteTopic);
        Assert.Empty(broker.Engine.LiteSubscriptionsOf("first"));
        Assert.Equal(["desk"], broker.Engine.LiteSubscriptionsOf("second"));

        // A client that ignored the command still lists the lite topic in its periodic whole-set sync: it stays lost.
        await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, ["desk", "other"]);
        Assert.Equal(["other"], broker.Engine.LiteSubscriptionsOf("first"));
        Assert.Equal(["desk"], broker.Engine.LiteSubscriptionsOf("second"));
        await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["desk"]);
        Assert.Equal(["desk", "other"], broker.Engine.LiteSubscriptionsOf("first").Order());
        await telemetry.RequestStream.CompleteAsync();
    }
}
