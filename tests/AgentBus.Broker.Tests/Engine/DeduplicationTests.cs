using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class DeduplicationTests
{
    private static MessageRecord Keyed(EngineHarness h, string liteTopic, string key, string body) =>
        h.Lite("agents", liteTopic, body, new Dictionary<string, string> { [BrokerEngine.DeduplicationKeyProperty] = key });

    [Fact]
    public async Task A_resend_with_the_same_key_within_the_window_gets_the_first_receipt_and_stores_nothing()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSubscriptionAction.PartialAdd, ["inbox"]);

        var first = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "first"));
        var retry = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "retry"));

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.Equal(first.QueueOffset, retry.QueueOffset);
        var delivered = await h.ReceiveAsync("c1", "g");
        Assert.Equal(["first"], delivered.Select(d => d.BodyText()));
    }

    [Fact]
    public async Task After_the_window_the_same_key_is_stored_again()
    {
        await using var h = await EngineHarness.StartAsync(o => o.DeduplicationWindow = TimeSpan.FromSeconds(30));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "first"));

        h.Time.Advance(TimeSpan.FromSeconds(31));
        var later = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "later"));

        Assert.False(later.Duplicate);
        Assert.Equal(1, later.QueueOffset);
    }

    [Fact]
    public async Task Keys_are_per_lite_topic_and_a_batch_skips_its_duplicates()
    {
        await using var h = await EngineHarness.StartAsync();
        var results = await h.Engine.SendBatchAsync([Keyed(h, "a", "k", "1"), Keyed(h, "b", "k", "2"), Keyed(h, "a", "k", "3")]);

        Assert.Equal([false, false, true], results.Select(r => r.Duplicate));
        Assert.Equal(results[0].MessageId, results[2].MessageId);
    }

    [Fact]
    public async Task Past_its_capacity_the_window_forgets_the_oldest_keys_first()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxDeduplicationKeys = 2);
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "1"));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-2", "2"));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-3", "3"));

        Assert.False((await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "again"))).Duplicate);
        Assert.True((await h.Engine.SendAsync(Keyed(h, "inbox", "k-3", "again"))).Duplicate);
    }
}
