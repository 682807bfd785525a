using AgentBus.Broker.Topics;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed class LiteSubscriptionTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task The_quota_announced_in_the_settings_is_checked_locally()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteSubscriptionsPerClient = 3);
        broker.CreateLiteParent();
        await using var consumer = await broker.LiteConsumerAsync("quota", new Collector().Listener);
        await consumer.SubscribeLiteAsync("a");
        await consumer.SubscribeLiteAsync("b");
        await consumer.SubscribeLiteAsync("c");
        await consumer.SubscribeLiteAsync("c"); // already subscribed: no new reference

        var error = await Assert.ThrowsAsync<LiteSubscriptionQuotaExceededException>(() => consumer.SubscribeLiteAsync("d"));
        Assert.Equal(42902, error.Code);
        Assert.Equal(3, broker.Engine.LiteSubscriptionsOf(consumer.ClientId).Count);

        await consumer.UnsubscribeLiteAsync("a");
        await consumer.SubscribeLiteAsync("d");
        Assert.Equal(["b", "c", "d"], consumer.LiteTopics.Order());
    }

    [Fact]
    public async Task The_brokers_own_quota_refusal_is_a_typed_exception()
    {
        // Per client 100, but the broker as a whole takes only 2 subscription references.
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteSubscriptionsPerBroker = 2);
        broker.CreateLiteParent();
        await using var consumer = await broker.LiteConsumerAsync("broker-quota", new Collector().Listener);
        await consumer.SubscribeLiteAsync("a");
        await consumer.SubscribeLiteAsync("b");

        var error = await Assert.ThrowsAsync<LiteSubscriptionQuotaExceededException>(() => consumer.SubscribeLiteAsync("c"));
        Assert.Equal(42902, error.Code);
        Assert.DoesNotContain("c", consumer.LiteTopics);
    }

    [Fact]
    public async Task Lite_topic_names_are_checked_locally_and_by_the_broker()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configure: o => o.MaxLiteTopicLength = 16);
        broker.CreateLiteParent();
        await using var consumer = await broker.LiteConsumerAsync("names", new Collector().Listener);

        var tooLong = await Assert.ThrowsAsync<IllegalLiteTopicException>(() => consumer.SubscribeLiteAsync(new string('x', 17)));
        Assert.Equal(40020, tooLong.Code);
        await Assert.ThrowsAsync<IllegalLiteTopicException>(() => consumer.SubscribeLiteAsync("  "));
        var refused = await Assert.ThrowsAsync<IllegalLiteTopicException>(() => consumer.SubscribeLiteAsync("bad name!"));
        Assert.Equal(40020, refused.Code);
        Assert.NotNull(refused.RequestId); // refused by the broker, not locally
        Assert.Empty(consumer.LiteTopics);
    }

    [Fact]
    public async Task A_lite_topic_taken_by_an_exclusive_subscriber_is_removed_from_the_old_one()
    {
        var broker = shared.Broker;
        const string parent = "agents-exclusive";
        broker.CreateLiteParent(parent);
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("exclusive", parent, LiteMode: LiteSharingMode.Exclusive));
        await using var first = await broker.LiteConsumerAsync("exclusive", new Collector().Listener, parent);
        var evicted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.UnsubscribedByBroker += (_, e) => evicted.TrySetResult(e.LiteTopic);
        await first.SubscribeLiteAsync("owned");
        await using var second = await broker.LiteConsumerAsync("exclusive", new Collector().Listener, parent);

        await second.SubscribeLiteAsync("owned");

        Assert.Equal("owned", await evicted.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain("owned", first.LiteTopics);
        Assert.Contains("owned", second.LiteTopics);
    }

    [Fact]
    public async Task Subscriptions_lost_by_the_broker_come_back_with_the_periodic_full_sync()
    {
        var time = new ManualTime();
        var broker = shared.Broker;
        const string parent = "agents-resync";
        broker.CreateLiteParent(parent);
        var provider = broker.ProviderWith(endpoints => new Configuration.ClientConfiguration { Endpoints = endpoints, TimeProvider = time });
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(parent).SetConsumerGroup("resync")
            .SetMessageListener(new Collector().Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("kept-1");
        await consumer.SubscribeLiteAsync("kept-2");

        broker.Engine.SyncLiteSubscription(consumer.ClientId, "resync", parent, Broker.Subscriptions.LiteSyncAction.CompleteRemove, []);
        Assert.Empty(broker.Engine.LiteSubscriptionsOf(consumer.ClientId));
        time.Advance(TimeSpan.FromSeconds(31));

        await Eventually.TrueAsync(() => broker.Engine.LiteSubscriptionsOf(consumer.ClientId).Count == 2, what: "COMPLETE_ADD after 30 s");
    }
}
