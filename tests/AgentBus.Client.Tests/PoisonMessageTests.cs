using AgentBus.Client.Messages;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Client.Tests;

/// <summary>One message with undecodable parts never stops a consumer: it is handed over with what decodes, and the rest flow on.</summary>
public sealed class PoisonMessageTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    private static ProtoMessage Delivered(Timestamp? born, Timestamp? delivery = null, ByteString? body = null, Apache.Rocketmq.V2.Encoding encoding = Apache.Rocketmq.V2.Encoding.Identity)
    {
        var payload = body ?? ByteString.CopyFromUtf8("body");
        var system = new SystemProperties
        {
            MessageId = "poison",
            MessageType = Apache.Rocketmq.V2.MessageType.Lite,
            LiteTopic = "inbox",
            BodyEncoding = encoding,
            BornTimestamp = born,
            ReceiptHandle = "handle",
        };
        if (delivery is not null)
        {
            system.DeliveryTimestamp = delivery;
        }

        return new ProtoMessage { Topic = new Resource { Name = "agents" }, SystemProperties = system, Body = payload };
    }

    [Theory]
    [InlineData(9_300_000_000_000_000L, 0)]
    [InlineData(-62_135_596_801L, 0)]
    [InlineData(0L, 1_500_000_000)]
    [InlineData(5L, -1)]
    public void A_delivered_message_with_an_invalid_timestamp_maps_without_throwing(long seconds, int nanos)
    {
        var bad = new Timestamp { Seconds = seconds, Nanos = nanos };

        var view = MessageView.From(Delivered(bad, bad), queue: null, AccessPoint.Parse("127.0.0.1:1"));

        Assert.Equal(default, view.BornTimestamp);
        Assert.Null(view.DeliveryTimestamp);
        Assert.Equal("body", System.Text.Encoding.UTF8.GetString(view.Body.Span));
        Assert.False(view.Corrupted);
        Assert.Contains("born_timestamp", view.DecodeProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delivered_body_marked_gzip_that_does_not_decompress_is_corrupted_not_thrown()
    {
        var notGzip = ByteString.CopyFrom([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E]);

        var view = MessageView.From(Delivered(Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), body: notGzip, encoding: Apache.Rocketmq.V2.Encoding.Gzip),
            queue: null, AccessPoint.Parse("127.0.0.1:1"));

        Assert.True(view.Corrupted);
        Assert.NotNull(view.DecodeProblem);
    }

    [Fact]
    public async Task A_poison_send_is_refused_and_a_lite_simple_consumer_receives_every_good_message()
    {
        var broker = shared.Broker;
        const string parent = "agents-simple";
        broker.CreateLiteParent(parent);
        await using var consumer = await broker.Provider.NewLiteSimpleConsumerBuilder().BindTopic(parent).SetConsumerGroup("readers")
            .SetAwaitDuration(TimeSpan.FromSeconds(2)).BuildAsync();
        await consumer.SubscribeLiteAsync("inbox");
        var raw = new MessagingService.MessagingServiceClient(broker.Channel);
        var headers = new Metadata { { "x-mq-client-id", "raw-sender-simple" } };
        var poison = Delivered(new Timestamp { Seconds = 9_300_000_000_000_000 });
        poison.Topic.Name = parent;
        poison.SystemProperties.ClearReceiptHandle();
        poison.SystemProperties.MessageId = "0123456789ABCDEF0123456789ABCDEF";

        var refused = await raw.SendMessageAsync(new SendMessageRequest { Messages = { poison } }, headers, DateTime.UtcNow.AddSeconds(10));
        await using var producer = await broker.ProducerAsync();
        for (int i = 0; i < 10; i++)
        {
            await producer.SendAsync(broker.Lite("inbox", $"good-{i}", parent));
        }

        var bodies = new List<string>();
        for (int round = 0; round < 20 && bodies.Count < 10; round++)
        {
            foreach (var message in await consumer.ReceiveAsync(10, TimeSpan.FromSeconds(30)))
            {
                bodies.Add(message.Text());
                await consumer.AckAsync(message);
            }
        }

        Assert.Equal(Code.BadRequest, refused.Status.Code);
        // A lite topic is one ordered queue.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"good-{i}"), bodies);
    }

    [Fact]
    public async Task A_poison_send_is_refused_and_a_lite_push_consumer_consumes_every_good_message_and_closes_cleanly()
    {
        var broker = shared.Broker;
        const string parent = "agents-push";
        broker.CreateLiteParent(parent);
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("pushers", collector.Listener, parent);
        await consumer.SubscribeLiteAsync("inbox");
        var raw = new MessagingService.MessagingServiceClient(broker.Channel);
        var poison = Delivered(new Timestamp { Seconds = 9_300_000_000_000_000 });
        poison.Topic.Name = parent;
        poison.SystemProperties.ClearReceiptHandle();
        poison.SystemProperties.MessageId = "0123456789ABCDEF0123456789ABCDE0";

        var refused = await raw.SendMessageAsync(new SendMessageRequest { Messages = { poison } },
            new Metadata { { "x-mq-client-id", "raw-sender-push" } }, DateTime.UtcNow.AddSeconds(10));
        await using (var producer = await broker.ProducerAsync())
        {
            for (int i = 0; i < 10; i++)
            {
                await producer.SendAsync(broker.Lite("inbox", $"good-{i}", parent));
            }
        }

        await collector.WaitForCountAsync(10, TimeSpan.FromSeconds(10));
        await consumer.DisposeAsync(); // must not throw; disposing again at the end is a no-op

        Assert.Equal(Code.BadRequest, refused.Status.Code);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"good-{i}"), collector.Messages.Select(m => m.Text()));
    }
}
