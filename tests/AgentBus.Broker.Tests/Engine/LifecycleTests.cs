using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class LifecycleTests
{
    [Fact]
    public async Task LiteTopicExpiresAfterItsTtlOnceConsumedAndUnsubscribed()
    {
        await using var h = await EngineHarness.StartAsync(o => o.LiteTopicTtl = TimeSpan.FromMinutes(15));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        h.Engine.Ack("g", Assert.Single(await h.ReceiveAsync("c1", "g")).ReceiptHandle);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);

        h.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(0, h.Engine.ExpireLiteTopics());
        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, h.Engine.ExpireLiteTopics());

        Assert.Equal(0, h.Engine.LiteTopicCount);
        Assert.Null(h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task LiteTopicWithUnconsumedMessagesIsKeptByDefault()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);

        h.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, h.Engine.ExpireLiteTopics());
        Assert.Equal(1, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task LiteTopicWithBacklogExpiresWhenConfiguredTo()
    {
        await using var h = await EngineHarness.StartAsync(o => o.ExpireLiteTopicsWithBacklog = true);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);

        h.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, h.Engine.ExpireLiteTopics());
    }

    [Fact]
    public async Task SubscribedLiteTopicDoesNotExpire()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Time.Advance(TimeSpan.FromHours(1));
        h.Engine.Heartbeat("c1");

        Assert.Equal(0, h.Engine.ExpireLiteTopics());
    }

    [Fact]
    public async Task ExpiredLiteTopicStaysDeletedAfterRestartAndStartsAfreshOnNextMessage()
    {
        await using var h = await EngineHarness.StartAsync(o => o.ExpireLiteTopicsWithBacklog = true);
        await h.SendLiteAsync("agents", "t", "old");
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, h.Engine.ExpireLiteTopics());

        await h.RestartAsync();
        Assert.Equal(0, h.Engine.LiteTopicCount);

        await h.SendLiteAsync("agents", "t", "new");
        await h.RestartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"], offsetOption: StartPosition.Min);
        Assert.Equal("new", Assert.Single(await h.ReceiveAsync("c1", "g")).BodyText());
    }

    [Fact]
    public async Task ClientNotRefreshedIsExpiredAndItsEventsMoveToALiveClient()
    {
        await using var h = await EngineHarness.StartAsync(o => o.ClientExpiry = TimeSpan.FromMinutes(3));
        h.Engine.SyncLiteSubscription("dead", "g", "agents", LiteSyncAction.PartialAdd, ["shared"]);
        h.Engine.SyncLiteSubscription("live", "g", "agents", LiteSyncAction.PartialAdd, ["shared"]);

        // Arrivals alternate between the two subscribers; get to a state where only "dead" holds the event.
        await h.SendLiteAsync("agents", "shared", "x");
        var expected = new List<string> { "x" };
        if (h.Engine.ReadySetSize("live") == 1)
        {
            h.Engine.Ack("g", Assert.Single(await h.ReceiveAsync("live", "g")).ReceiptHandle);
            await h.SendLiteAsync("agents", "shared", "y");
            expected = ["y"];
        }

        Assert.Equal(1, h.Engine.ReadySetSize("dead"));
        Assert.Equal(0, h.Engine.ReadySetSize("live"));
        h.Time.Advance(TimeSpan.FromMinutes(4));
        h.Engine.Heartbeat("live");

        Assert.Equal(1, h.Engine.ExpireDeadClients());

        Assert.Empty(h.Engine.LiteSubscriptionsOf("dead"));
        Assert.Equal(1, h.Engine.ReadySetSize("live"));
        Assert.Equal(expected, (await h.ReceiveAsync("live", "g")).Select(d => d.BodyText()));
    }

    [Fact]
    public async Task TerminatedClientDropsItsSubscriptions()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);

        Assert.True(h.Engine.ClientTerminated("c1"));

        Assert.Equal(0, h.Engine.LiteSubscriptionCount);
        Assert.Equal(0, h.Engine.LiteClientCount);
    }

    [Fact]
    public async Task CompleteRemoveDropsEverything()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);

        var result = h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteRemove, []);

        Assert.Equal(2, result.Removed);
        Assert.Equal(0, h.Engine.LiteSubscriptionCount);
    }

    [Fact]
    public async Task StaleCompleteAddVersionIsIgnored()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteAdd, ["a", "b"], version: 5);

        var stale = h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteAdd, ["a"], version: 4);

        Assert.True(stale.Ignored);
        Assert.Equal(["a", "b"], h.Engine.LiteSubscriptionsOf("c1").Order());
    }

    [Fact]
    public async Task ReadySetOverflowFallsBackToFullDispatchAndLosesNothing()
    {
        await using var h = await EngineHarness.StartAsync(o =>
        {
            o.ReadySetCapacity = 4;
            o.FullDispatchDelay = TimeSpan.FromMilliseconds(100);
        });
        var topics = Enumerable.Range(0, 20).Select(i => $"t{i}").ToArray();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, topics);
        foreach (string topic in topics)
        {
            await h.SendLiteAsync("agents", topic);
        }

        Assert.Equal(4, h.Engine.ReadySetSize("c1"));
        var seen = new HashSet<string>();
        for (int round = 0; round < 20 && seen.Count < 20; round++)
        {
            foreach (var d in await h.ReceiveAsync("c1", "g", max: 3))
            {
                seen.Add(d.Message.LiteTopic!);
                h.Engine.Ack("g", d.ReceiptHandle);
            }

            h.Time.Advance(TimeSpan.FromMilliseconds(150));
        }

        Assert.Equal(20, seen.Count);
        Assert.True(h.Engine.FullDispatchCount > 0);
    }
}

public sealed class DepartureTests
{
    [Fact]
    public async Task WhatATerminatedClientHeldIsReleasedAtOnceWithoutCountingAnAttempt()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("leaving", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "held");
        Assert.Single(await h.ReceiveAsync("leaving", "g", invisibleSeconds: 300));

        h.Engine.ClientTerminated("leaving");
        h.Engine.SyncLiteSubscription("successor", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);

        var again = Assert.Single(await h.ReceiveAsync("successor", "g"));
        Assert.Equal("held", again.BodyText());
        Assert.Equal(1, again.DeliveryAttempt);
    }

    [Fact]
    public async Task A_message_the_client_gave_back_before_leaving_keeps_the_attempt_its_nack_counted()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("leaving", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "failed");
        var delivery = Assert.Single(await h.ReceiveAsync("leaving", "g", invisibleSeconds: 300));

        // A nack (redeliver at once, attempt counted), then the client leaves before the redelivery is scheduled.
        h.Engine.ChangeInvisibleDuration("g", delivery.ReceiptHandle, TimeSpan.Zero, suspend: false, handBack: true);
        h.Engine.ClientTerminated("leaving");
        h.Engine.SyncLiteSubscription("successor", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Time.Advance(TimeSpan.FromMilliseconds(10));

        var again = Assert.Single(await h.ReceiveAsync("successor", "g", longPollMs: 2000));
        Assert.Equal("failed", again.BodyText());
        Assert.Equal(2, again.DeliveryAttempt);
    }

    [Fact]
    public async Task AnotherClientsDeliveriesStayHidden()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("a", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Engine.SyncLiteSubscription("b", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "x");
        string holder = (await h.ReceiveAsync("a", "g")).Count == 1 ? "a" : "b";
        if (holder == "b")
        {
            Assert.Single(await h.ReceiveAsync("b", "g"));
        }

        string other = holder == "a" ? "b" : "a";

        h.Engine.ClientTerminated(other);

        Assert.Empty(await h.ReceiveAsync(holder, "g"));
    }
}
