using System.Text.RegularExpressions;
using AgentBus.Broker.Topics;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed partial class ProducerTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task Send_returns_receipts_with_official_message_ids_and_increasing_offsets()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();

        var first = await producer.SendAsync(broker.Lite("chat-1", "one"));
        var second = await producer.SendAsync(broker.Lite("chat-1", "two"));

        Assert.Matches(MessageIdPattern(), first.MessageId);
        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(first.Offset + 1, second.Offset);
        Assert.Equal(Scenario.Parent, first.Topic);
    }

    [Fact]
    public async Task Batch_send_stores_every_message_in_one_request()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();

        var receipts = await producer.SendAsync([broker.Lite("batch", "a"), broker.Lite("batch", "b"), broker.Lite("batch", "c")]);

        Assert.Equal(3, receipts.Count);
        Assert.Equal([0L, 1L, 2L], receipts.Select(r => r.Offset));
        Assert.Equal(3, receipts.Select(r => r.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Normal_fifo_and_tagged_messages_are_sent_to_normal_topics()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", Broker.Topics.TopicMessageType.Normal));
        broker.Engine.Topics.CreateTopic(new TopicDefinition("ledger", Broker.Topics.TopicMessageType.Fifo));
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics("orders", "ledger").BuildAsync();

        var normal = await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("orders").SetTag("paid").SetKeys("o-1")
            .AddProperty("region", "eu").SetBody("order").Build());
        var fifo1 = await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("ledger").SetMessageGroup("account-7").SetBody("debit").Build());
        var fifo2 = await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("ledger").SetMessageGroup("account-7").SetBody("credit").Build());

        Assert.Equal("orders", normal.Topic);
        Assert.Equal(fifo1.QueueId, fifo2.QueueId); // one message group, one queue
        Assert.Equal(fifo1.Offset + 1, fifo2.Offset);
    }

    [Fact]
    public async Task A_message_of_the_wrong_type_for_the_topic_is_refused_before_sending()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("invoices", Broker.Topics.TopicMessageType.Normal));
        await using var producer = await broker.ProducerAsync();

        await Assert.ThrowsAsync<InvalidMessageException>(() => producer.SendAsync(broker.Lite("x", "body", parent: "invoices")));
    }

    [Fact]
    public async Task Unknown_topic_without_auto_create_is_a_not_found_exception()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.AutoCreate = false);
        await using var producer = await broker.ProducerAsync();

        var error = await Assert.ThrowsAsync<NotFoundException>(() => producer.SendAsync(broker.Lite("x", "body", parent: "missing")));
        Assert.Equal(40402, error.Code);
    }

    [Fact]
    public async Task A_body_above_the_broker_limit_is_refused_locally_from_the_settings()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxMessageBodySize = 1024);
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
            producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(Scenario.Parent).SetLiteTopic("big").SetBody(new byte[2048]).Build()));
        Assert.Equal(41301, error.Code);
    }

    [Fact]
    public async Task Sending_to_more_lite_topics_than_the_broker_holds_is_a_lite_topic_quota_exception()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteTopics = 2);
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();
        await producer.SendAsync(broker.Lite("one", "x"));
        await producer.SendAsync(broker.Lite("two", "x"));

        var error = await Assert.ThrowsAsync<LiteTopicQuotaExceededException>(() => producer.SendAsync(broker.Lite("three", "x")));
        Assert.Equal(42901, error.Code);
        Assert.NotNull(error.StatusMessage);
        // The call's x-mq-request-id; a command on the message stream is named by the stream's and its frame id.
        Assert.Matches(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(/[0-9]+)?$", error.RequestId);
    }

    [Fact]
    public async Task An_illegal_lite_topic_name_is_an_illegal_lite_topic_exception()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();

        var error = await Assert.ThrowsAsync<IllegalLiteTopicException>(() => producer.SendAsync(broker.Lite(new string('x', 65), "x")));
        Assert.Equal(40020, error.Code);
        Assert.IsAssignableFrom<BadRequestException>(error);
    }

    [Fact]
    public async Task A_closed_producer_refuses_to_send()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var producer = await broker.ProducerAsync();
        await producer.DisposeAsync();

        Assert.False(producer.IsRunning);
        await Assert.ThrowsAsync<InvalidOperationException>(() => producer.SendAsync(broker.Lite("x", "x")));
    }

    [Fact]
    public async Task A_client_that_cannot_reach_the_broker_fails_to_start_with_a_network_exception()
    {
        var provider = new ClientServiceProvider(new Configuration.ClientConfiguration { Endpoints = "127.0.0.1:1", RequestTimeout = TimeSpan.FromMilliseconds(500) });
        await Assert.ThrowsAnyAsync<ClientException>(() => provider.NewProducerBuilder().BuildAsync());
    }

    [GeneratedRegex("^01[0-9A-F]{32}$")]
    private static partial Regex MessageIdPattern();
}
