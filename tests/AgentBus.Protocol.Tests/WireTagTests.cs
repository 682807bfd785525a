using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Protocol.Tests;

/// <summary>
/// Encodes single fields and compares with bytes worked out by hand from the protocol's field
/// numbers: a tag is (field number &lt;&lt; 3 | wire type) as a varint; wire type 0 is varint,
/// 2 is length-delimited. A wrong field number or type changes the first byte(s).
/// </summary>
public class WireTagTests
{
    private const byte X = (byte)'x';

    private static byte[] Bytes(IMessage message) => message.ToByteArray();

    [Fact]
    public void SyncLiteSubscriptionRequest_fields()
    {
        // action = 1 (varint): 0x08; COMPLETE_REMOVE = 3
        Assert.Equal(new byte[] { 0x08, 0x03 }, Bytes(new SyncLiteSubscriptionRequest { Action = LiteSubscriptionAction.CompleteRemove }));
        // topic = 2 (message): 0x12, len 3, Resource.name = 2: 0x12 0x01 'x'
        Assert.Equal(new byte[] { 0x12, 0x03, 0x12, 0x01, X }, Bytes(new SyncLiteSubscriptionRequest { Topic = new Resource { Name = "x" } }));
        // group = 3 (message): 0x1A
        Assert.Equal(new byte[] { 0x1A, 0x03, 0x12, 0x01, X }, Bytes(new SyncLiteSubscriptionRequest { Group = new Resource { Name = "x" } }));
        // lite_topic_set = 4 (repeated string): 0x22 per element
        Assert.Equal(new byte[] { 0x22, 0x01, X, 0x22, 0x01, X }, Bytes(new SyncLiteSubscriptionRequest { LiteTopicSet = { "x", "x" } }));
        // version = 5 (optional int64): 0x28; present even when 0
        Assert.Equal(new byte[] { 0x28, 0x00 }, Bytes(new SyncLiteSubscriptionRequest { Version = 0 }));
        // offset_option = 6 (message): 0x32, empty
        Assert.Equal(new byte[] { 0x32, 0x00 }, Bytes(new SyncLiteSubscriptionRequest { OffsetOption = new OffsetOption() }));
    }

    [Fact]
    public void OffsetOption_oneof_members()
    {
        Assert.Equal(new byte[] { 0x08, 0x02 }, Bytes(new OffsetOption { Policy = OffsetOption.Types.Policy.Max }));
        Assert.Equal(new byte[] { 0x08, 0x00 }, Bytes(new OffsetOption { Policy = OffsetOption.Types.Policy.Last }));
        Assert.Equal(new byte[] { 0x10, 0x05 }, Bytes(new OffsetOption { Offset = 5 }));
        Assert.Equal(new byte[] { 0x18, 0x05 }, Bytes(new OffsetOption { TailN = 5 }));
        Assert.Equal(new byte[] { 0x20, 0x05 }, Bytes(new OffsetOption { Timestamp = 5 }));
    }

    [Fact]
    public void AckMessageEntry_lite_topic_is_field_3()
    {
        Assert.Equal(new byte[] { 0x1A, 0x01, X }, Bytes(new AckMessageEntry { LiteTopic = "x" }));
        // Optional: present even when empty.
        Assert.Equal(new byte[] { 0x1A, 0x00 }, Bytes(new AckMessageEntry { LiteTopic = string.Empty }));
    }

    [Fact]
    public void ForwardMessageToDeadLetterQueueRequest_lite_topic_is_field_7()
    {
        Assert.Equal(new byte[] { 0x3A, 0x01, X }, Bytes(new ForwardMessageToDeadLetterQueueRequest { LiteTopic = "x" }));
    }

    [Fact]
    public void ChangeInvisibleDurationRequest_lite_topic_6_and_suspend_7()
    {
        Assert.Equal(
            new byte[] { 0x32, 0x01, X, 0x38, 0x01 },
            Bytes(new ChangeInvisibleDurationRequest { LiteTopic = "x", Suspend = true }));
        // Optional bool: an explicit false is still sent.
        Assert.Equal(new byte[] { 0x38, 0x00 }, Bytes(new ChangeInvisibleDurationRequest { Suspend = false }));
        // invisible_duration = 4 (message), Duration.seconds = 1
        Assert.Equal(
            new byte[] { 0x22, 0x02, 0x08, 0x01 },
            Bytes(new ChangeInvisibleDurationRequest { InvisibleDuration = new Duration { Seconds = 1 } }));
    }

    [Fact]
    public void SystemProperties_lite_topic_21_priority_22_and_message_type()
    {
        // 21 << 3 | 2 = 170 = varint 0xAA 0x01
        Assert.Equal(new byte[] { 0xAA, 0x01, 0x01, X }, Bytes(new SystemProperties { LiteTopic = "x" }));
        // 22 << 3 | 0 = 176 = varint 0xB0 0x01
        Assert.Equal(new byte[] { 0xB0, 0x01, 0x01 }, Bytes(new SystemProperties { Priority = 1 }));
        // message_type = 6 (enum): 0x30; LITE = 5
        Assert.Equal(new byte[] { 0x30, 0x05 }, Bytes(new SystemProperties { MessageType = MessageType.Lite }));
        // dead_letter_queue = 20: 20 << 3 | 2 = 162 = 0xA2 0x01
        Assert.Equal(new byte[] { 0xA2, 0x01, 0x00 }, Bytes(new SystemProperties { DeadLetterQueue = new DeadLetterQueue() }));
    }

    [Fact]
    public void Subscription_lite_quota_fields_inside_settings()
    {
        Assert.Equal(
            new byte[] { 0x30, 0x01, 0x38, 0x02 },
            Bytes(new Subscription { LiteSubscriptionQuota = 1, MaxLiteTopicSize = 2 }));
        // Settings.subscription = 6 (message, oneof pub_sub): 0x32
        Assert.Equal(
            new byte[] { 0x32, 0x04, 0x30, 0x01, 0x38, 0x02 },
            Bytes(new Settings { Subscription = new Subscription { LiteSubscriptionQuota = 1, MaxLiteTopicSize = 2 } }));
        // Settings.client_type = 1: LITE_PUSH_CONSUMER = 5, LITE_SIMPLE_CONSUMER = 6
        Assert.Equal(new byte[] { 0x08, 0x05 }, Bytes(new Settings { ClientType = ClientType.LitePushConsumer }));
        Assert.Equal(new byte[] { 0x08, 0x06 }, Bytes(new Settings { ClientType = ClientType.LiteSimpleConsumer }));
    }

    [Fact]
    public void TelemetryCommand_notify_unsubscribe_lite_is_field_9()
    {
        // 9 << 3 | 2 = 0x4A; NotifyUnsubscribeLiteCommand.lite_topic = 1: 0x0A
        Assert.Equal(
            new byte[] { 0x4A, 0x03, 0x0A, 0x01, X },
            Bytes(new TelemetryCommand { NotifyUnsubscribeLiteCommand = new NotifyUnsubscribeLiteCommand { LiteTopic = "x" } }));
        // reconnect_endpoints_command = 8: 0x42
        Assert.Equal(
            new byte[] { 0x42, 0x00 },
            Bytes(new TelemetryCommand { ReconnectEndpointsCommand = new ReconnectEndpointsCommand() }));
    }

    [Fact]
    public void Status_code_values_on_the_wire()
    {
        // Status.code = 1: 0x08; 42902 = varint 0x96 0xCF 0x02
        Assert.Equal(new byte[] { 0x08, 0x96, 0xCF, 0x02 }, Bytes(new Status { Code = Code.LiteSubscriptionQuotaExceeded }));
        // 40020 = varint 0xD4 0xB8 0x02
        Assert.Equal(new byte[] { 0x08, 0xD4, 0xB8, 0x02 }, Bytes(new Status { Code = Code.IllegalLiteTopic }));
    }

    [Fact]
    public void SendResultEntry_recall_handle_is_field_5()
    {
        Assert.Equal(new byte[] { 0x2A, 0x01, X }, Bytes(new SendResultEntry { RecallHandle = "x" }));
    }

    [Fact]
    public void Any_lite_topic_in_an_ack_entry_encodes_as_tag_3_string()
    {
        Gen.String.Sample(topic =>
        {
            var utf8 = System.Text.Encoding.UTF8.GetBytes(topic);
            using var expected = new MemoryStream();
            expected.WriteByte(0x1A);
            var length = (uint)utf8.Length;
            while (length >= 0x80)
            {
                expected.WriteByte((byte)(length | 0x80));
                length >>= 7;
            }
            expected.WriteByte((byte)length);
            expected.Write(utf8);
            return expected.ToArray().AsSpan().SequenceEqual(new AckMessageEntry { LiteTopic = topic }.ToByteArray());
        });
    }
}
