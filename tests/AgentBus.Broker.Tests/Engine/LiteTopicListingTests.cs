using AgentBus.Broker.Errors;
using AgentBus.Broker.Lite;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;
using CsCheck;

namespace AgentBus.Broker.Tests.Engine;

public sealed class LiteTopicListingTests
{
    private static void Subscribe(EngineHarness h, string clientId, params string[] liteTopics) =>
        h.Engine.SyncLiteSubscription(clientId, "g", "agents", LiteSyncAction.PartialAdd, liteTopics);

    private static List<string> AllPages(BrokerEngine engine, int limit, string? prefix = null, bool subscribedOnly = false)
    {
        var names = new List<string>();
        string? after = null;
        do
        {
            var page = engine.ListLiteTopics("agents", prefix, after, limit, subscribedOnly);
            Assert.InRange(page.LiteTopics.Count, 0, limit);
            names.AddRange(page.LiteTopics.Select(t => t.Name));
            Assert.True(page.NextAfter is null || page.LiteTopics.Count == limit, "only a full page has a next one");
            after = page.NextAfter;
        }
        while (after is not null);
        return names;
    }

    [Fact]
    public async Task Pages_walk_every_lite_topic_once_in_ordinal_order()
    {
        await using var h = await EngineHarness.StartAsync();
        var expected = Enumerable.Range(0, 250).Select(i => $"t-{i * 7919 % 250:D3}").Append("T-upper").Append("t_under").ToList();
        foreach (string name in expected)
        {
            await h.SendLiteAsync("agents", name);
        }

        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, AllPages(h.Engine, 100));
        Assert.Equal(expected, AllPages(h.Engine, 1));
        Assert.Equal(expected, AllPages(h.Engine, 1000));
    }

    [Fact]
    public async Task A_page_that_ends_exactly_at_the_last_lite_topic_says_there_is_no_next()
    {
        await using var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 4; i++)
        {
            await h.SendLiteAsync("agents", $"t{i}");
        }

        var first = h.Engine.ListLiteTopics("agents", limit: 2);
        var second = h.Engine.ListLiteTopics("agents", after: first.NextAfter, limit: 2);

        Assert.Equal("t1", first.NextAfter);
        Assert.Equal(["t2", "t3"], second.LiteTopics.Select(t => t.Name));
        Assert.Null(second.NextAfter);
        Assert.Empty(h.Engine.ListLiteTopics("agents", after: "t3").LiteTopics);
    }

    [Fact]
    public async Task A_prefix_keeps_only_the_names_that_start_with_it()
    {
        await using var h = await EngineHarness.StartAsync();
        foreach (string name in new[] { "agent|b", "agent|a", "reply|a", "agent", "agent|c", "session|agent|x" })
        {
            await h.SendLiteAsync("agents", name);
        }

        Assert.Equal(["agent|a", "agent|b", "agent|c"], AllPages(h.Engine, 2, prefix: "agent|"));
        Assert.Equal(["agent|b", "agent|c"], h.Engine.ListLiteTopics("agents", "agent|", after: "agent|a").LiteTopics.Select(t => t.Name));
    }

    [Fact]
    public async Task Subscribed_only_counts_live_clients_but_not_expired_or_closed_ones()
    {
        await using var h = await EngineHarness.StartAsync();
        var expiry = h.Engine.Options.ClientExpiry;
        await h.SendLiteAsync("agents", "unsubscribed");
        Subscribe(h, "c-expired", "expired", "shared");
        h.Time.Advance(expiry / 2);
        Subscribe(h, "c-live-1", "live", "shared");
        Subscribe(h, "c-live-2", "live");
        Subscribe(h, "c-closed", "closed");
        h.Engine.ClientTerminated("c-closed");
        h.Time.Advance((expiry / 2) + TimeSpan.FromSeconds(1));

        var all = h.Engine.ListLiteTopics("agents").LiteTopics.ToDictionary(t => t.Name, t => t.LiveSubscribers);
        var subscribed = h.Engine.ListLiteTopics("agents", subscribedOnly: true).LiteTopics;

        Assert.Equal(0, all["expired"]);
        Assert.Equal(2, all["live"]);
        Assert.Equal(1, all["shared"]);
        Assert.Equal(0, all["unsubscribed"]);
        Assert.Equal(["live", "shared"], subscribed.Select(t => t.Name));
        Assert.Equal([2, 1], subscribed.Select(t => t.LiveSubscribers));

        h.Engine.Heartbeat("c-expired");
        Assert.Equal(["expired", "live", "shared"], h.Engine.ListLiteTopics("agents", subscribedOnly: true).LiteTopics.Select(t => t.Name));
    }

    [Fact]
    public async Task An_entry_reports_offsets_last_write_and_the_asked_groups_committed_offset()
    {
        await using var h = await EngineHarness.StartAsync();
        Subscribe(h, "c1", "inbox");
        for (int i = 0; i < 3; i++)
        {
            await h.SendLiteAsync("agents", "inbox");
        }

        var written = h.Time.GetUtcNow();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var delivery = Assert.Single(await h.ReceiveAsync("c1", "g", max: 1));
        h.Engine.Ack("g", delivery.ReceiptHandle);

        var withGroup = Assert.Single(h.Engine.ListLiteTopics("agents", group: "g").LiteTopics);
        var otherGroup = Assert.Single(h.Engine.ListLiteTopics("agents", group: "nobody").LiteTopics);
        var noGroup = Assert.Single(h.Engine.ListLiteTopics("agents").LiteTopics);

        Assert.Equal(new LiteTopicInfo("inbox", 0, 3, 1, written, 1), withGroup);
        Assert.Null(otherGroup.CommittedOffset);
        Assert.Null(noGroup.CommittedOffset);
    }

    [Fact]
    public async Task A_parent_without_lite_topics_lists_nothing()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("empty", TopicMessageType.Lite));

        var page = h.Engine.ListLiteTopics("empty");

        Assert.Empty(page.LiteTopics);
        Assert.Null(page.NextAfter);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(BrokerEngine.MaxLiteTopicPageSize + 1)]
    public async Task A_page_size_out_of_range_is_a_bad_request(int limit)
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "t");

        var refused = Assert.Throws<BrokerException>(() => h.Engine.ListLiteTopics("agents", limit: limit));

        Assert.Equal(BrokerErrorCode.BadRequest, refused.Code);
    }

    [Fact]
    public async Task An_unknown_or_normal_topic_is_refused()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));

        Assert.Equal(BrokerErrorCode.TopicNotFound, Assert.Throws<BrokerException>(() => h.Engine.ListLiteTopics("missing")).Code);
        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, Assert.Throws<BrokerException>(() => h.Engine.ListLiteTopics("orders")).Code);
    }

    [Fact]
    public async Task Paging_returns_exactly_the_sorted_matching_names_for_any_set_prefix_and_page_size()
    {
        await using var h = await EngineHarness.StartAsync();
        // One pool of names, written once; each sample lists it with its own prefix and page size.
        var names = Gen.String[Gen.Char["ab|%_-Z9"], 1, 6].Array[300].Single().ToHashSet(StringComparer.Ordinal);
        foreach (string name in names)
        {
            await h.SendLiteAsync("agents", name);
        }

        Gen.Select(Gen.Int[1, 40], Gen.String[Gen.Char["ab|"], 0, 2]).Sample((limit, prefix) =>
        {
            var expected = names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, AllPages(h.Engine, limit, prefix));
        }, iter: 200);
    }
}
