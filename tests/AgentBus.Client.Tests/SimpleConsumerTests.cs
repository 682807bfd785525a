using AgentBus.Broker.Topics;
using AgentBus.Client.Consuming;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed class SimpleConsumerTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task Lite_simple_consumer_receives_acks_and_postpones()
    {
        var broker = shared.Broker;
        const string parent = "agents-postponed";
        broker.CreateLiteParent(parent);
        await using var consumer = await broker.Provider.NewLiteSimpleConsumerBuilder().BindTopic(parent).SetConsumerGroup("pollers")
            .SetAwaitDuration(TimeSpan.FromSeconds(3)).BuildAsync();
        await consumer.SubscribeLiteAsync("jobs");
        await using var producer = await broker.ProducerAsync();
        await producer.SendAsync(broker.Lite("jobs", "job-1", parent));

        var first = await consumer.ReceiveAsync(10, TimeSpan.FromSeconds(30));
        var message = Assert.Single(first);
        Assert.Equal("jobs", message.LiteTopic);
        string handle = message.ReceiptHandle;

        await consumer.ChangeInvisibleDurationAsync(message, TimeSpan.Zero);
        Assert.NotEqual(handle, message.ReceiptHandle);
        var again = Assert.Single(await consumer.ReceiveAsync(10, TimeSpan.FromSeconds(30)));
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal(2, again.DeliveryAttempt);

        await consumer.AckAsync(again);
        Assert.Equal(1, broker.Engine.LiteOffsets(parent, "jobs", "pollers")!.Value.Committed);
        await Assert.ThrowsAnyAsync<ClientException>(() => consumer.AckAsync(message)); // the old handle is void
    }

    [Fact]
    public async Task Lite_simple_consumer_returns_empty_when_nothing_arrives()
    {
        var broker = shared.Broker;
        const string parent = "agents-idle";
        broker.CreateLiteParent(parent);
        await using var consumer = await broker.Provider.NewLiteSimpleConsumerBuilder().BindTopic(parent).SetConsumerGroup("idle")
            .SetAwaitDuration(TimeSpan.FromMilliseconds(200)).BuildAsync();
        await consumer.SubscribeLiteAsync("quiet");

        Assert.Empty(await consumer.ReceiveAsync(1, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Simple_consumer_filters_by_tag_on_a_normal_topic()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", Broker.Topics.TopicMessageType.Normal, QueueCount: 1));
        await using var consumer = await broker.Provider.NewSimpleConsumerBuilder().SetConsumerGroup("billing")
            .Subscribe("orders", new FilterExpression("paid||refunded")).SetAwaitDuration(TimeSpan.FromSeconds(2)).BuildAsync();
        await using var producer = await broker.ProducerAsync();
        foreach (string tag in new[] { "created", "paid", "shipped", "refunded" })
        {
            await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("orders").SetTag(tag).SetBody(tag).Build());
        }

        var received = new List<string>();
        for (int round = 0; round < 10 && received.Count < 2; round++)
        {
            foreach (var message in await consumer.ReceiveAsync(16, TimeSpan.FromSeconds(30)))
            {
                received.Add(message.Tag!);
                await consumer.AckAsync(message);
            }
        }

        Assert.Equal(["paid", "refunded"], received);
    }

    [Fact]
    public async Task Push_consumer_consumes_a_normal_topic_and_retries_failures()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("events", Broker.Topics.TopicMessageType.Normal, QueueCount: 2));
        var collector = new Collector(m => m.Text() == "flaky" && m.DeliveryAttempt == 1 ? ConsumeResult.Failure : ConsumeResult.Success);
        await using var consumer = await broker.Provider.NewPushConsumerBuilder().SetConsumerGroup("auditors").Subscribe("events")
            .SetMessageListener(collector.Listener).BuildAsync();
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("events").SetBody("steady").Build());
        await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("events").SetBody("flaky").Build());

        await collector.WaitForAsync(m => m.Count(x => x.Text() == "flaky") == 2 && m.Any(x => x.Text() == "steady"));
        Assert.Equal([1, 2], collector.Messages.Where(m => m.Text() == "flaky").Select(m => m.DeliveryAttempt));
    }

    [Fact]
    public async Task Push_consumer_of_a_fifo_group_redelivers_locally_in_order()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("ledger", Broker.Topics.TopicMessageType.Fifo, QueueCount: 1));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("bookkeepers", Fifo: true, MaxDeliveryAttempts: 5));
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Body, int Attempt)>();
        var collector = new Collector(m =>
        {
            seen.Enqueue((m.Text(), m.DeliveryAttempt));
            return m.Text() == "1" && m.DeliveryAttempt < 3 ? ConsumeResult.Failure : ConsumeResult.Success;
        });
        await using var consumer = await broker.Provider.NewPushConsumerBuilder().SetConsumerGroup("bookkeepers").Subscribe("ledger")
            .SetMessageListener(collector.Listener).BuildAsync();
        await using var producer = await broker.ProducerAsync();
        for (int i = 0; i < 4; i++)
        {
            await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("ledger").SetMessageGroup("acct")
                .SetBody(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Build());
        }

        await collector.WaitForCountAsync(6);
        Assert.Equal([("0", 1), ("1", 1), ("1", 2), ("1", 3), ("2", 1), ("3", 1)], seen);
    }
}
