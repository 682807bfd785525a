using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Protocol.Tests;

/// <summary>
/// Decodes bytes written by the Node.js client's protobuf code and checks every value, then
/// checks that our encoding of the same message is byte-for-byte what that client writes.
/// </summary>
public class NodeClientFixtureTests
{
    private static Resource Res(string name, string ns = "") => new() { Name = name, ResourceNamespace = ns };

    private static T Decode<T>(MessageParser<T> parser, string base64)
        where T : IMessage<T> => parser.ParseFrom(Convert.FromBase64String(base64));

    private static void AssertSameAsNode<T>(T ours, string base64, T decoded)
        where T : IMessage<T>
    {
        // Equality also compares unknown fields: a number the client uses that we do not know fails here.
        Assert.Equal(ours, decoded);
        Assert.Equal(base64, Convert.ToBase64String(ours.ToByteArray()));
    }

    [Fact]
    public void SyncLiteSubscription_with_every_field()
    {
        var decoded = Decode(SyncLiteSubscriptionRequest.Parser, NodeClientFixtures.SyncLiteSubscriptionComplete);

        Assert.Equal(LiteSubscriptionAction.CompleteAdd, decoded.Action);
        Assert.Equal("parent-topic", decoded.Topic.Name);
        Assert.Equal("ns1", decoded.Topic.ResourceNamespace);
        Assert.Equal("lite-group", decoded.Group.Name);
        Assert.Equal(["chat-1", "chat-2"], decoded.LiteTopicSet);
        Assert.True(decoded.HasVersion);
        Assert.Equal(42L, decoded.Version);
        Assert.Equal(OffsetOption.OffsetTypeOneofCase.TailN, decoded.OffsetOption.OffsetTypeCase);
        Assert.Equal(10L, decoded.OffsetOption.TailN);

        var ours = new SyncLiteSubscriptionRequest
        {
            Action = LiteSubscriptionAction.CompleteAdd,
            Topic = Res("parent-topic", "ns1"),
            Group = Res("lite-group"),
            LiteTopicSet = { "chat-1", "chat-2" },
            Version = 42,
            OffsetOption = new OffsetOption { TailN = 10 },
        };
        AssertSameAsNode(ours, NodeClientFixtures.SyncLiteSubscriptionComplete, decoded);
    }

    [Fact]
    public void SyncLiteSubscription_partial_add_with_policy_last()
    {
        var decoded = Decode(SyncLiteSubscriptionRequest.Parser, NodeClientFixtures.SyncLiteSubscriptionPartialAddLast);

        Assert.Equal(LiteSubscriptionAction.PartialAdd, decoded.Action);
        Assert.False(decoded.HasVersion);
        Assert.Equal(["chat-9"], decoded.LiteTopicSet);
        // LAST is 0, yet as a oneof member it is on the wire and must be seen as set.
        Assert.Equal(OffsetOption.OffsetTypeOneofCase.Policy, decoded.OffsetOption.OffsetTypeCase);
        Assert.Equal(OffsetOption.Types.Policy.Last, decoded.OffsetOption.Policy);

        var ours = new SyncLiteSubscriptionRequest
        {
            Action = LiteSubscriptionAction.PartialAdd,
            Topic = Res("parent-topic"),
            Group = Res("lite-group"),
            LiteTopicSet = { "chat-9" },
            OffsetOption = new OffsetOption { Policy = OffsetOption.Types.Policy.Last },
        };
        AssertSameAsNode(ours, NodeClientFixtures.SyncLiteSubscriptionPartialAddLast, decoded);
    }

    [Fact]
    public void AckMessage_entry_carries_lite_topic()
    {
        var decoded = Decode(AckMessageRequest.Parser, NodeClientFixtures.AckLite);

        var entry = Assert.Single(decoded.Entries);
        Assert.Equal("01AB", entry.MessageId);
        Assert.Equal("rh-1", entry.ReceiptHandle);
        Assert.True(entry.HasLiteTopic);
        Assert.Equal("chat-1", entry.LiteTopic);

        var ours = new AckMessageRequest
        {
            Group = Res("lite-group"),
            Topic = Res("parent-topic"),
            Entries = { new AckMessageEntry { MessageId = "01AB", ReceiptHandle = "rh-1", LiteTopic = "chat-1" } },
        };
        AssertSameAsNode(ours, NodeClientFixtures.AckLite, decoded);
    }

    [Fact]
    public void ChangeInvisibleDuration_carries_lite_topic_and_suspend()
    {
        var decoded = Decode(ChangeInvisibleDurationRequest.Parser, NodeClientFixtures.ChangeInvisibleLiteSuspend);

        Assert.Equal("rh-2", decoded.ReceiptHandle);
        Assert.Equal(TimeSpan.FromMilliseconds(5500), decoded.InvisibleDuration.ToTimeSpan());
        Assert.Equal("01CD", decoded.MessageId);
        Assert.Equal("chat-2", decoded.LiteTopic);
        Assert.True(decoded.HasSuspend);
        Assert.True(decoded.Suspend);

        var ours = new ChangeInvisibleDurationRequest
        {
            Group = Res("lite-group"),
            Topic = Res("parent-topic"),
            ReceiptHandle = "rh-2",
            InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(5500)),
            MessageId = "01CD",
            LiteTopic = "chat-2",
            Suspend = true,
        };
        AssertSameAsNode(ours, NodeClientFixtures.ChangeInvisibleLiteSuspend, decoded);
    }

    [Fact]
    public void ForwardToDeadLetterQueue_carries_lite_topic()
    {
        var decoded = Decode(ForwardMessageToDeadLetterQueueRequest.Parser, NodeClientFixtures.ForwardToDlqLite);

        Assert.Equal(3, decoded.DeliveryAttempt);
        Assert.Equal(16, decoded.MaxDeliveryAttempts);
        Assert.Equal("chat-3", decoded.LiteTopic);

        var ours = new ForwardMessageToDeadLetterQueueRequest
        {
            Group = Res("lite-group"),
            Topic = Res("parent-topic"),
            ReceiptHandle = "rh-3",
            MessageId = "01EF",
            DeliveryAttempt = 3,
            MaxDeliveryAttempts = 16,
            LiteTopic = "chat-3",
        };
        AssertSameAsNode(ours, NodeClientFixtures.ForwardToDlqLite, decoded);
    }

    [Fact]
    public void SendMessage_of_a_lite_message()
    {
        var decoded = Decode(SendMessageRequest.Parser, NodeClientFixtures.SendLiteMessage);

        var message = Assert.Single(decoded.Messages);
        Assert.Equal("parent-topic", message.Topic.Name);
        Assert.Equal("v", message.UserProperties["k"]);
        Assert.Equal("hello", message.Body.ToStringUtf8());
        var sp = message.SystemProperties;
        Assert.Equal("01LITE", sp.MessageId);
        Assert.Equal(Encoding.Identity, sp.BodyEncoding);
        Assert.Equal(MessageType.Lite, sp.MessageType);
        Assert.Equal(1700000000L, sp.BornTimestamp.Seconds);
        Assert.Equal(123000000, sp.BornTimestamp.Nanos);
        Assert.Equal("host-a", sp.BornHost);
        Assert.Equal("chat-1", sp.LiteTopic);
        Assert.Equal(7, sp.Priority);
        Assert.False(sp.HasTag);

        var ours = new SendMessageRequest
        {
            Messages =
            {
                new Message
                {
                    Topic = Res("parent-topic"),
                    UserProperties = { ["k"] = "v" },
                    SystemProperties = new SystemProperties
                    {
                        MessageId = "01LITE",
                        BodyEncoding = Encoding.Identity,
                        MessageType = MessageType.Lite,
                        BornTimestamp = new Timestamp { Seconds = 1700000000, Nanos = 123000000 },
                        BornHost = "host-a",
                        LiteTopic = "chat-1",
                        Priority = 7,
                    },
                    Body = ByteString.CopyFromUtf8("hello"),
                },
            },
        };
        AssertSameAsNode(ours, NodeClientFixtures.SendLiteMessage, decoded);
    }

    [Fact]
    public void Telemetry_settings_of_a_lite_push_consumer()
    {
        var decoded = Decode(TelemetryCommand.Parser, NodeClientFixtures.TelemetryLiteSettings);

        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, decoded.CommandCase);
        var settings = decoded.Settings;
        Assert.Equal(ClientType.LitePushConsumer, settings.ClientType);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.RequestTimeout.ToTimeSpan());
        Assert.Equal(Settings.PubSubOneofCase.Subscription, settings.PubSubCase);
        var sub = settings.Subscription;
        Assert.Equal("lite-group", sub.Group.Name);
        var entry = Assert.Single(sub.Subscriptions);
        Assert.Equal(FilterType.Tag, entry.Expression.Type);
        Assert.Equal("*", entry.Expression.Expression);
        Assert.True(sub.Fifo);
        Assert.Equal(32, sub.ReceiveBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(30), sub.LongPollingTimeout.ToTimeSpan());
        Assert.Equal(1200, sub.LiteSubscriptionQuota);
        Assert.Equal(64, sub.MaxLiteTopicSize);
        Assert.Equal(Language.NodeJs, settings.UserAgent.Language);
        Assert.Equal("1.0.8", settings.UserAgent.Version);

        var ours = new TelemetryCommand
        {
            Settings = new Settings
            {
                ClientType = ClientType.LitePushConsumer,
                RequestTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)),
                Subscription = new Subscription
                {
                    Group = Res("lite-group"),
                    Subscriptions =
                    {
                        new SubscriptionEntry
                        {
                            Topic = Res("parent-topic"),
                            Expression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
                        },
                    },
                    Fifo = true,
                    ReceiveBatchSize = 32,
                    LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                    LiteSubscriptionQuota = 1200,
                    MaxLiteTopicSize = 64,
                },
                UserAgent = new UA { Language = Language.NodeJs, Version = "1.0.8", Platform = "linux", Hostname = "h1" },
            },
        };
        AssertSameAsNode(ours, NodeClientFixtures.TelemetryLiteSettings, decoded);
    }

    [Fact]
    public void Telemetry_notify_unsubscribe_lite()
    {
        var decoded = Decode(TelemetryCommand.Parser, NodeClientFixtures.TelemetryNotifyUnsubscribeLite);

        Assert.Equal(TelemetryCommand.CommandOneofCase.NotifyUnsubscribeLiteCommand, decoded.CommandCase);
        Assert.Equal("chat-4", decoded.NotifyUnsubscribeLiteCommand.LiteTopic);
        Assert.Equal(Code.Ok, decoded.Status.Code);

        var ours = new TelemetryCommand
        {
            Status = StatusFactory.Ok(),
            NotifyUnsubscribeLiteCommand = new NotifyUnsubscribeLiteCommand { LiteTopic = "chat-4" },
        };
        AssertSameAsNode(ours, NodeClientFixtures.TelemetryNotifyUnsubscribeLite, decoded);
    }

    [Fact]
    public void SyncLiteSubscription_quota_exceeded_response()
    {
        var decoded = Decode(SyncLiteSubscriptionResponse.Parser, NodeClientFixtures.SyncLiteQuotaExceededResponse);

        Assert.Equal(Code.LiteSubscriptionQuotaExceeded, decoded.Status.Code);
        Assert.Equal("quota", decoded.Status.Message);

        var ours = new SyncLiteSubscriptionResponse { Status = StatusFactory.Of(Code.LiteSubscriptionQuotaExceeded, "quota") };
        AssertSameAsNode(ours, NodeClientFixtures.SyncLiteQuotaExceededResponse, decoded);
    }

    [Fact]
    public void Heartbeat_of_a_lite_simple_consumer()
    {
        var decoded = Decode(HeartbeatRequest.Parser, NodeClientFixtures.HeartbeatLiteSimple);

        Assert.Equal(ClientType.LiteSimpleConsumer, decoded.ClientType);
        Assert.Equal("lite-group", decoded.Group.Name);

        var ours = new HeartbeatRequest { Group = Res("lite-group"), ClientType = ClientType.LiteSimpleConsumer };
        AssertSameAsNode(ours, NodeClientFixtures.HeartbeatLiteSimple, decoded);
    }
}
