using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Protocol.Stream;
using AgentBus.Server.Metrics;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Client.Tests;

/// <summary>
/// Sends and acks as frames of the broker's message stream (agentbus.v1.MessageStream), and the MessagingService calls
/// when the broker does not offer it or the client does not want it. The other client suites run over both paths
/// (test.sh runs them again with AGENTBUS_TEST_MESSAGE_STREAM=off).
/// </summary>
public sealed class MessageStreamTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task A_producer_and_a_consumer_use_one_stream_each_once_the_broker_said_it_serves_it()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var collector = new Collector();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration { Endpoints = endpoints, EnableMessageStream = true });
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("streamed")
            .SetMessageListener(collector.Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("chat-1");
        await using var producer = await provider.NewProducerBuilder().BuildAsync();

        for (int i = 0; i < 20; i++)
        {
            await producer.SendAsync(broker.Lite("chat-1", $"m{i}"));
        }

        await collector.WaitForCountAsync(20);
        var metrics = broker.Services.GetRequiredService<BrokerMetrics>();
        // Both streams stand once the acks went out (the consumer's first ack may ride a call, while it learns).
        await Eventually.TrueAsync(() => metrics.OpenStreams == 2, what: "a stream for the producer and one for the consumer");
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "chat-1", "streamed")?.Committed == 20, what: "every ack applied");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), collector.Messages.Select(m => m.Text()));
    }

    [Fact]
    public async Task Sends_started_one_after_another_are_stored_in_that_order_without_waiting_for_each_other()
    {
        var broker = shared.Broker;
        const string parent = "agents-ordered";
        broker.CreateLiteParent(parent);
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration { Endpoints = endpoints, EnableMessageStream = true });
        await using var producer = await provider.NewProducerBuilder().BuildAsync();
        await producer.SendAsync(broker.Lite("warm-up", "x", parent)); // learns that the broker serves the stream

        var sends = Enumerable.Range(0, 200).Select(i => producer.SendAsync(broker.Lite("ordered", $"m{i}", parent))).ToArray();
        var receipts = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), receipts.Select(r => r.Offset));
    }

    [Fact]
    public async Task A_broker_with_the_stream_off_neither_offers_nor_serves_it_and_clients_use_the_calls()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: server => server.EnableMessageStream = false);
        broker.CreateLiteParent();
        var collector = new Collector();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration { Endpoints = endpoints, EnableMessageStream = true });
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("plain")
            .SetMessageListener(collector.Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("chat-1");
        await using var producer = await provider.NewProducerBuilder().BuildAsync();

        await producer.SendAsync(broker.Lite("chat-1", "one"));
        await producer.SendAsync(broker.Lite("chat-1", "two"));
        await collector.WaitForCountAsync(2);

        Assert.Equal(0, broker.Services.GetRequiredService<BrokerMetrics>().OpenStreams);
        using var stream = new MessageStream.MessageStreamClient(broker.Channel).Open(Headers("raw"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);
    }

    [Fact]
    public async Task A_client_with_the_stream_off_uses_the_calls()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration { Endpoints = endpoints, EnableMessageStream = false });
        await using var producer = await provider.NewProducerBuilder().BuildAsync();

        await producer.SendAsync(broker.Lite("chat-1", "one"));
        var receipt = await producer.SendAsync(broker.Lite("chat-1", "two"));

        Assert.Equal(1, receipt.Offset);
        Assert.Equal(0, broker.Services.GetRequiredService<BrokerMetrics>().OpenStreams);
    }

    [Fact]
    public async Task A_refused_command_gets_its_status_with_the_frame_id_and_the_stream_goes_on()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteTopics = 1);
        broker.CreateLiteParent();
        using var stream = new MessageStream.MessageStreamClient(broker.Channel).Open(Headers("raw"));

        await stream.RequestStream.WriteAsync(new ClientFrame { Id = 7 }); // no command
        await stream.RequestStream.WriteAsync(new ClientFrame { Id = 8, Send = Send("one") });
        await stream.RequestStream.WriteAsync(new ClientFrame { Id = 9, Send = Send("two") }); // a second lite topic: over the quota
        await stream.RequestStream.WriteAsync(new ClientFrame { Id = 10, Ack = new AckMessageRequest { Group = new Resource { Name = "g" } } });

        var replies = new Dictionary<ulong, ServerFrame>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(await stream.ResponseStream.MoveNext());
            replies.Add(stream.ResponseStream.Current.Id, stream.ResponseStream.Current);
        }

        Assert.Equal(Code.BadRequest, replies[7].Refused.Code);
        Assert.Equal(Code.Ok, replies[8].Send.Status.Code);
        Assert.Equal(0, replies[8].Send.Entries[0].Offset);
        Assert.Equal(Code.LiteTopicQuotaExceeded, replies[9].Send.Status.Code);
        Assert.Equal(Code.BadRequest, replies[10].Ack.Status.Code); // an ack without entries, as its call would be answered
        await stream.RequestStream.CompleteAsync();
        Assert.False(await stream.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task A_stream_without_a_client_id_is_refused_as_a_whole()
    {
        var broker = shared.Broker;
        using var stream = new MessageStream.MessageStreamClient(broker.Channel).Open();

        Assert.True(await stream.ResponseStream.MoveNext());

        Assert.Equal(0UL, stream.ResponseStream.Current.Id);
        Assert.Equal(Code.ClientIdRequired, stream.ResponseStream.Current.Refused.Code);
        Assert.False(await stream.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task A_refusal_over_the_stream_is_the_typed_exception_named_by_stream_and_frame()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteTopics = 1);
        broker.CreateLiteParent();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration { Endpoints = endpoints, EnableMessageStream = true });
        await using var producer = await provider.NewProducerBuilder().BuildAsync();
        await producer.SendAsync(broker.Lite("one", "x"));

        var error = await Assert.ThrowsAsync<LiteTopicQuotaExceededException>(() => producer.SendAsync(broker.Lite("two", "x")));

        Assert.Matches(@"^[0-9a-f-]{36}/[0-9]+$", error.RequestId);
    }

    private static Metadata Headers(string clientId) => new() { { "x-mq-client-id", clientId } };

    private static SendMessageRequest Send(string liteTopic) => new()
    {
        Messages =
        {
            new Apache.Rocketmq.V2.Message
            {
                Topic = new Resource { Name = Scenario.Parent },
                Body = Google.Protobuf.ByteString.CopyFromUtf8("body"),
                SystemProperties = new SystemProperties
                {
                    MessageId = Guid.NewGuid().ToString("N"),
                    LiteTopic = liteTopic,
                    MessageType = Apache.Rocketmq.V2.MessageType.Lite,
                    BodyEncoding = Encoding.Identity,
                    BornHost = "test",
                    BornTimestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                },
            },
        },
    };
}
