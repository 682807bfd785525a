using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class ConsumptionTests
{
    [Fact]
    public async Task UnackedMessageIsRedeliveredWithTheNextAttemptAfterItsInvisibility()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "retry-me");
        var first = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 10));

        Assert.Empty(await h.ReceiveAsync("c1", "g"));
        h.Time.Advance(TimeSpan.FromSeconds(11));

        var second = Assert.Single(await h.ReceiveAsync("c1", "g"));
        Assert.Equal("retry-me", second.BodyText());
        Assert.Equal(2, second.DeliveryAttempt);
        Assert.Equal(first.Message.QueueOffset, second.Message.QueueOffset);
        var stale = Assert.Throws<BrokerException>(() => h.Engine.Ack("g", first.ReceiptHandle));
        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, stale.Code);
        h.Engine.Ack("g", second.ReceiptHandle);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task FifoGroupHoldsTheNextMessageUntilTheBatchInFlightIsAcked()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", BindTopic: "agents", Fifo: true));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["session"]);
        await h.SendLiteAsync("agents", "session", "1");

        var first = Assert.Single(await h.ReceiveAsync("c1", "g"));
        await h.SendLiteAsync("agents", "session", "2");
        Assert.Empty(await h.ReceiveAsync("c1", "g"));

        h.Engine.Ack("g", first.ReceiptHandle);
        Assert.Equal("2", Assert.Single(await h.ReceiveAsync("c1", "g")).BodyText());
    }

    [Fact]
    public async Task FifoRedeliversTheWholeBatchInOrderBeforeAnythingNew()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", BindTopic: "agents", Fifo: true));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["s"]);
        await h.SendLiteAsync("agents", "s", "1");
        await h.SendLiteAsync("agents", "s", "2");
        Assert.Equal(2, (await h.ReceiveAsync("c1", "g", invisibleSeconds: 5)).Count);
        await h.SendLiteAsync("agents", "s", "3");

        h.Time.Advance(TimeSpan.FromSeconds(6));

        var again = await h.ReceiveAsync("c1", "g");
        Assert.Equal(["1", "2"], again.Select(d => d.BodyText()));
        Assert.All(again, d => Assert.Equal(2, d.DeliveryAttempt));
    }

    [Fact]
    public async Task SuspendDelaysRedeliveryWithoutCountingAnAttempt()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        var first = Assert.Single(await h.ReceiveAsync("c1", "g"));

        string handle = h.Engine.ChangeInvisibleDuration("g", first.ReceiptHandle, TimeSpan.FromSeconds(3), suspend: true);
        Assert.NotEqual(first.ReceiptHandle, handle);
        h.Time.Advance(TimeSpan.FromSeconds(4));

        var second = Assert.Single(await h.ReceiveAsync("c1", "g"));
        Assert.Equal(1, second.DeliveryAttempt);
    }

    [Fact]
    public async Task ChangeInvisibleDurationExtendsTheDeadline()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        var first = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 5));

        string handle = h.Engine.ChangeInvisibleDuration("g", first.ReceiptHandle, TimeSpan.FromSeconds(60));
        h.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await h.ReceiveAsync("c1", "g"));
        h.Engine.Ack("g", handle);
        Assert.Throws<BrokerException>(() => h.Engine.Ack("g", first.ReceiptHandle));
    }

    [Fact]
    public async Task MessageGoesToTheDeadLetterTopicAfterMaxAttempts()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", BindTopic: "agents", MaxDeliveryAttempts: 2));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "poison");

        Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 1));
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 1)).DeliveryAttempt);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await h.ReceiveAsync("c1", "g"));

        string dlq = BrokerEngine.DeadLetterTopic("g");
        var dead = await h.Engine.ReceiveAsync("dlq-reader", dlq, null, 10, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        var message = Assert.Single(dead).Message;
        Assert.Equal("poison", System.Text.Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal("t", message.Properties["DLQ_ORIGIN_LITE_TOPIC"]);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task ForwardToDeadLetterMovesTheMessageAtOnce()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "bad");
        var delivery = Assert.Single(await h.ReceiveAsync("c1", "g"));

        h.Engine.ForwardToDeadLetter("g", delivery.ReceiptHandle);

        var dead = await h.Engine.ReceiveAsync("dlq-reader", BrokerEngine.DeadLetterTopic("g"), null, 10, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal("bad", Assert.Single(dead).BodyText());
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task CommittedOffsetOnlyPassesContiguouslyAckedMessages()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 3; i++)
        {
            await h.SendLiteAsync("agents", "t");
        }

        var batch = await h.ReceiveAsync("c1", "g");
        h.Engine.Ack("g", batch[1].ReceiptHandle);
        h.Engine.Ack("g", batch[2].ReceiptHandle);
        Assert.Equal(0, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);

        h.Engine.Ack("g", batch[0].ReceiptHandle);
        Assert.Equal(3, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
    }

    [Fact]
    public async Task NormalTopicSupportsSimpleConsumption()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        for (int i = 0; i < 4; i++)
        {
            await h.Engine.SendAsync(new() { Topic = "orders", MessageId = $"o{i}", Body = new byte[] { (byte)i } });
        }

        var batch = await h.Engine.ReceiveAsync("billing", "orders", null, 10, TimeSpan.FromSeconds(30), TimeSpan.Zero);

        Assert.Equal(4, batch.Count);
        foreach (var delivery in batch)
        {
            h.Engine.Ack("billing", delivery.ReceiptHandle);
        }

        Assert.Empty(await h.Engine.ReceiveAsync("billing", "orders", null, 10, TimeSpan.FromSeconds(30), TimeSpan.Zero));
    }

    [Fact]
    public async Task NormalTopicLongPollWakesOnArrival()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var receive = h.Engine.ReceiveAsync("billing", "orders", null, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20)).AsTask();

        await h.Engine.SendAsync(new() { Topic = "orders", MessageId = "o1", Body = new byte[] { 1 } });

        Assert.Single(await receive.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task FifoTopicKeepsMessageGroupOrder()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("fifo", TopicMessageType.Fifo, QueueCount: 4));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", Fifo: true));
        for (int i = 0; i < 6; i++)
        {
            await h.Engine.SendAsync(new() { Topic = "fifo", MessageId = $"f{i}", MessageGroup = "order-7", Body = new byte[] { (byte)i } });
        }

        var seen = new List<byte>();
        for (int round = 0; round < 6 && seen.Count < 6; round++)
        {
            var batch = await h.Engine.ReceiveAsync("g", "fifo", null, 2, TimeSpan.FromSeconds(30), TimeSpan.Zero);
            foreach (var delivery in batch)
            {
                seen.Add(delivery.Message.Body.Span[0]);
                h.Engine.Ack("g", delivery.ReceiptHandle);
            }
        }

        Assert.Equal([0, 1, 2, 3, 4, 5], seen);
    }
}
