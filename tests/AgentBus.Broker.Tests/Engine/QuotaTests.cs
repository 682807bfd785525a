using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class QuotaTests
{
    [Fact]
    public async Task SubscriptionsPerClientAreBounded()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteSubscriptionsPerClient = 3);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b", "c"]);

        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["d"]));

        Assert.Equal(BrokerErrorCode.LiteSubscriptionQuotaExceeded, error.Code);
        Assert.Equal(3, h.Engine.LiteSubscriptionsOf("c1").Count);
    }

    [Fact]
    public async Task Upstream10894_IdempotentRetryAtTheLimitPasses()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteSubscriptionsPerClient = 2);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);

        var retry = h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);

        Assert.Equal(0, retry.Added);
        Assert.Equal(2, retry.SubscriptionCount);
    }

    [Fact]
    public async Task Upstream10894_CompleteAddIsCheckedAndCountsOnlyNetNewReferences()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteSubscriptionsPerClient = 2);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);

        // Replacing b by c keeps the client at 2: allowed.
        var swap = h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteAdd, ["a", "c"]);
        Assert.Equal(1, swap.Added);
        Assert.Equal(1, swap.Removed);
        Assert.Equal(["a", "c"], h.Engine.LiteSubscriptionsOf("c1").Order());

        // Growing to 3 through reconciliation is refused like any other add.
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteAdd, ["a", "c", "d"]));
        Assert.Equal(BrokerErrorCode.LiteSubscriptionQuotaExceeded, error.Code);
        Assert.Equal(2, h.Engine.LiteSubscriptionCount);
    }

    [Fact]
    public async Task SubscriptionReferencesPerBrokerAreBounded()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteSubscriptionsPerBroker = 3);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]);
        h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.PartialAdd, ["a"]);

        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.PartialAdd, ["b"]));

        Assert.Equal(BrokerErrorCode.LiteSubscriptionQuotaExceeded, error.Code);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["b"]);
        h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.PartialAdd, ["b"]);
        Assert.Equal(3, h.Engine.LiteSubscriptionCount);
    }

    [Fact]
    public async Task LiteTopicsPerBrokerAreBoundedOnSend()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteTopics = 2);
        await h.SendLiteAsync("agents", "a");
        await h.SendLiteAsync("agents", "b");

        var error = await Assert.ThrowsAsync<BrokerException>(() => h.SendLiteAsync("agents", "c"));

        Assert.Equal(BrokerErrorCode.LiteTopicQuotaExceeded, error.Code);
        await h.SendLiteAsync("agents", "a"); // existing lite topics still take messages
        Assert.Equal(2, h.Engine.LiteTopicCount);
    }

    [Fact]
    public async Task LiteTopicQuotaAlsoBoundsSubscriptionsThatWouldCreateLiteTopics()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteTopics = 1);
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["a", "b"]));

        Assert.Equal(BrokerErrorCode.LiteTopicQuotaExceeded, error.Code);
        Assert.Equal(0, h.Engine.LiteTopicCount);
        Assert.Empty(h.Engine.LiteSubscriptionsOf("c1"));
    }

    [Fact]
    public async Task ExclusiveModeEvictsThePreviousSubscriberAndTellsIt()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", LiteMode: LiteSharingMode.Exclusive));
        var notices = new List<LiteUnsubscribeNotice>();
        h.Engine.LiteUnsubscribed += notices.Add;
        h.Engine.SyncLiteSubscription("old", "g", "agents", LiteSyncAction.PartialAdd, ["session-1"]);

        h.Engine.SyncLiteSubscription("new", "g", "agents", LiteSyncAction.PartialAdd, ["session-1"]);

        Assert.Equal(new LiteUnsubscribeNotice("old", "g", "agents", "session-1"), Assert.Single(notices));
        Assert.Empty(h.Engine.LiteSubscriptionsOf("old"));
        await h.SendLiteAsync("agents", "session-1", "to-new");
        Assert.Empty(await h.ReceiveAsync("old", "g"));
        Assert.Single(await h.ReceiveAsync("new", "g"));
    }
    [Fact]
    public async Task AnEvictedClientsPeriodicCompleteAddDoesNotTakeTheLiteTopicBackButItsPartialAddDoes()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", LiteMode: LiteSharingMode.Exclusive));
        var notices = new List<LiteUnsubscribeNotice>();
        h.Engine.LiteUnsubscribed += notices.Add;
        h.Engine.SyncLiteSubscription("old", "g", "agents", LiteSyncAction.PartialAdd, ["session-1", "session-2"]);
        h.Engine.SyncLiteSubscription("new", "g", "agents", LiteSyncAction.PartialAdd, ["session-1"]);

        // A client that ignored the notice still lists session-1 in its full set: it keeps only what is still its own.
        h.Engine.SyncLiteSubscription("old", "g", "agents", LiteSyncAction.CompleteAdd, ["session-1", "session-2"]);
        Assert.Equal(["session-2"], h.Engine.LiteSubscriptionsOf("old"));
        Assert.Equal(["session-1"], h.Engine.LiteSubscriptionsOf("new"));
        Assert.Single(notices);

        // Added again by the client itself: exclusive mode moves it back, and the new owner is told.
        h.Engine.SyncLiteSubscription("old", "g", "agents", LiteSyncAction.PartialAdd, ["session-1"]);
        Assert.Equal(["session-1", "session-2"], h.Engine.LiteSubscriptionsOf("old").Order(StringComparer.Ordinal));
        Assert.Empty(h.Engine.LiteSubscriptionsOf("new"));
        Assert.Equal(new LiteUnsubscribeNotice("new", "g", "agents", "session-1"), notices[^1]);

        // From then on its full set applies again as sent.
        h.Engine.SyncLiteSubscription("old", "g", "agents", LiteSyncAction.CompleteAdd, ["session-1", "session-2"]);
        Assert.Equal(["session-1", "session-2"], h.Engine.LiteSubscriptionsOf("old").Order(StringComparer.Ordinal));
    }
}
