using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class RequireSubscriberTests
{
    private static MessageRecord Requiring(EngineHarness h, string liteTopic) =>
        h.Lite("agents", liteTopic, properties: new Dictionary<string, string> { [BrokerEngine.RequireSubscriberProperty] = "true" });

    [Fact]
    public async Task A_message_that_requires_a_subscriber_is_refused_without_one_and_stored_with_one()
    {
        await using var h = await EngineHarness.StartAsync();

        var refused = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.SendAsync(Requiring(h, "inbox")).AsTask());
        Assert.Equal(BrokerErrorCode.NoLiveSubscriber, refused.Code);

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        var stored = await h.Engine.SendAsync(Requiring(h, "inbox"));
        Assert.Equal(0, stored.QueueOffset);
    }

    [Fact]
    public async Task A_batch_with_a_refused_message_stores_nothing()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["served"]);

        var refused = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.SendBatchAsync([Requiring(h, "served"), Requiring(h, "unserved")]).AsTask());

        Assert.Equal(BrokerErrorCode.NoLiveSubscriber, refused.Code);
        Assert.Empty(await h.ReceiveAsync("c1", "g"));
    }

    [Fact]
    public async Task A_subscriber_that_expired_does_not_count()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);

        h.Time.Advance(h.Engine.Options.ClientExpiry + TimeSpan.FromSeconds(1));

        var refused = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.SendAsync(Requiring(h, "inbox")).AsTask());
        Assert.Equal(BrokerErrorCode.NoLiveSubscriber, refused.Code);
    }

    [Fact]
    public async Task Without_the_property_a_message_queues_for_a_later_subscriber()
    {
        await using var h = await EngineHarness.StartAsync();
        var stored = await h.SendLiteAsync("agents", "later");
        Assert.Equal(0, stored.QueueOffset);
    }
}
