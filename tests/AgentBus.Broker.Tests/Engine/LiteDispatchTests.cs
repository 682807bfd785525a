using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class LiteDispatchTests
{
    [Fact]
    public async Task MessageToSubscribedLiteTopicIsReceivedAndAcked()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["planner"]);
        var sent = await h.SendLiteAsync("agents", "planner", "hello");

        var batch = await h.ReceiveAsync("c1", "g");

        var delivery = Assert.Single(batch);
        Assert.Equal("hello", delivery.BodyText());
        Assert.Equal("planner", delivery.Message.LiteTopic);
        Assert.Equal(sent.QueueOffset, delivery.Message.QueueOffset);
        Assert.Equal(1, delivery.DeliveryAttempt);
        h.Engine.Ack("g", delivery.ReceiptHandle);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "planner", "g"));
        Assert.Empty(await h.ReceiveAsync("c1", "g"));
    }

    [Fact]
    public async Task EachClientOfAGroupReceivesOnlyItsOwnLiteTopics()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("gw-1", "gateways", "agents", LiteSyncAction.PartialAdd, ["reply-gw-1"]);
        h.Engine.SyncLiteSubscription("gw-2", "gateways", "agents", LiteSyncAction.PartialAdd, ["reply-gw-2"]);
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "reply-gw-1", $"one-{i}");
            await h.SendLiteAsync("agents", "reply-gw-2", $"two-{i}");
        }

        var first = await h.ReceiveAsync("gw-1", "gateways");
        var second = await h.ReceiveAsync("gw-2", "gateways");

        Assert.Equal(["one-0", "one-1", "one-2", "one-3", "one-4"], first.Select(d => d.BodyText()));
        Assert.Equal(["two-0", "two-1", "two-2", "two-3", "two-4"], second.Select(d => d.BodyText()));
    }

    [Fact]
    public async Task OneReceiveAggregatesManyLiteTopicsUpToTheBatchSize()
    {
        await using var h = await EngineHarness.StartAsync();
        var topics = Enumerable.Range(0, 50).Select(i => $"session-{i}").ToArray();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, topics);
        foreach (string topic in topics)
        {
            await h.SendLiteAsync("agents", topic);
        }

        var first = await h.ReceiveAsync("c1", "g", max: 32);
        var second = await h.ReceiveAsync("c1", "g", max: 32);

        Assert.Equal(32, first.Count);
        Assert.Equal(18, second.Count);
        Assert.Equal(topics.Order(), first.Concat(second).Select(d => d.Message.LiteTopic!).Order());
    }

    [Fact]
    public async Task OnlySubscribedLiteTopicsAreDelivered()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["mine"]);
        await h.SendLiteAsync("agents", "other");
        await h.SendLiteAsync("agents", "mine", "yes");

        var batch = await h.ReceiveAsync("c1", "g");

        Assert.Equal("yes", Assert.Single(batch).BodyText());
        Assert.Equal(1, h.Engine.LiteBacklog("agents", "other", "g"));
    }

    [Fact]
    public async Task LongPollWakesWhenAMessageArrives()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        var receive = h.ReceiveAsync("c1", "g", longPollMs: 20_000);
        Assert.False(receive.IsCompleted);

        await h.SendLiteAsync("agents", "inbox", "wake");

        var batch = await receive.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("wake", Assert.Single(batch).BodyText());
    }

    [Fact]
    public async Task LongPollReturnsEmptyWhenItsTimeoutPasses()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        var receive = h.ReceiveAsync("c1", "g", longPollMs: 5_000);

        h.Time.Advance(TimeSpan.FromSeconds(6));

        Assert.Empty(await receive.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task SubscribingToALiteTopicWithBacklogDispatchesIt()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "early", "before-subscribe");

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["early"]);

        Assert.Equal("before-subscribe", Assert.Single(await h.ReceiveAsync("c1", "g")).BodyText());
    }

    [Fact]
    public async Task TwoGroupsEachGetEveryMessage()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.SyncLiteSubscription("a", "audit", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Engine.SyncLiteSubscription("b", "workers", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "x");

        Assert.Single(await h.ReceiveAsync("a", "audit"));
        Assert.Single(await h.ReceiveAsync("b", "workers"));
    }

    [Fact]
    public async Task SharedSubscribersOfOneGroupNeverBothHoldTheSameMessage()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("a", "g", "agents", LiteSyncAction.PartialAdd, ["shared"]);
        h.Engine.SyncLiteSubscription("b", "g", "agents", LiteSyncAction.PartialAdd, ["shared"]);
        for (int i = 0; i < 10; i++)
        {
            await h.SendLiteAsync("agents", "shared", $"{i}");
        }

        var fromA = await h.ReceiveAsync("a", "g");
        var fromB = await h.ReceiveAsync("b", "g");

        var all = fromA.Concat(fromB).Select(d => d.BodyText()).ToList();
        Assert.Equal(10, all.Count);
        Assert.Equal(10, all.Distinct().Count());
    }

    [Fact]
    public async Task UnsubscribeStopsDelivery()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);
        await h.SendLiteAsync("agents", "t");

        Assert.Empty(await h.ReceiveAsync("c1", "g"));
        Assert.Empty(h.Engine.LiteSubscriptionsOf("c1"));
    }
}
