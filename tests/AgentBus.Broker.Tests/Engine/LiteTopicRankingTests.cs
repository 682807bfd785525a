using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

/// <summary><see cref="BrokerEngine.RankLiteTopics"/> and <see cref="BrokerEngine.LiteTopicsWithBacklogFor"/>, as the dashboard uses them.</summary>
public sealed class LiteTopicRankingTests
{
    [Fact]
    public async Task Lite_topics_rank_by_what_their_furthest_behind_group_has_yet_to_consume()
    {
        await using var h = await EngineHarness.StartAsync();
        foreach (var (name, count) in new[] { ("agent|a", 5), ("agent|b", 2), ("session|x", 3), ("reply|i", 1), ("other", 4) })
        {
            for (int i = 0; i < count; i++)
            {
                await h.SendLiteAsync("agents", name, $"{name} {i}");
            }
        }

        // A client consumes agent|b: before its acks the topic is in its ready set, after them it waits for nobody.
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["agent|b"]);
        var delivered = await h.ReceiveAsync("c1", "g");
        Assert.Equal(2, delivered.Count);
        Assert.Equal(["agent|b"], h.Engine.LiteTopicsWithBacklogFor("c1", 10));
        foreach (var delivery in delivered)
        {
            h.Engine.Ack("g", delivery.ReceiptHandle);
        }

        var ranking = h.Engine.RankLiteTopics(["", "agent|", "session|"], 2);

        Assert.Equal(5 + 3 + 1 + 4, ranking.Backlog);
        Assert.Equal(4, ranking.LiteTopicsWithBacklog);
        var all = ranking.ByPrefix[""];
        Assert.Equal(5, all.Count);
        Assert.Equal([("agent|a", 5L), ("other", 4L)], all.Top.Select(t => (t.Name, t.Backlog)));
        var agents = ranking.ByPrefix["agent|"];
        Assert.Equal(2, agents.Count);
        Assert.Equal([("agent|a", 5L), ("agent|b", 0L)], agents.Top.Select(t => (t.Name, t.Backlog)));
        Assert.Equal(["c1"], agents.Top[1].SubscriberIds);
        Assert.Equal(1, agents.Top[1].LiveSubscribers);
        var session = Assert.Single(ranking.ByPrefix["session|"].Top);
        Assert.Equal(("agents", "session|x", 0L, 3L), (session.ParentTopic, session.Name, session.MinOffset, session.MaxOffset));
        Assert.Empty(h.Engine.LiteTopicsWithBacklogFor("c1", 10));
        Assert.Empty(h.Engine.LiteTopicsWithBacklogFor("nobody", 10));
    }

    [Fact]
    public async Task A_ranking_keeps_the_largest_backlogs_however_many_lite_topics_there_are()
    {
        await using var h = await EngineHarness.StartAsync();
        // Backlogs 1..40 sent in a scrambled order.
        for (int i = 0; i < 40; i++)
        {
            int backlog = (i * 17 % 40) + 1;
            for (int m = 0; m < backlog; m++)
            {
                await h.SendLiteAsync("agents", $"t{backlog:D2}");
            }
        }

        var top = h.Engine.RankLiteTopics([""], 5).ByPrefix[""];

        Assert.Equal(40, top.Count);
        Assert.Equal([40L, 39L, 38L, 37L, 36L], top.Top.Select(t => t.Backlog));
        Assert.Equal(["t40", "t39", "t38", "t37", "t36"], top.Top.Select(t => t.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Engine.RankLiteTopics([""], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Engine.RankLiteTopics([""], BrokerEngine.MaxRankedLiteTopics + 1));
    }
}
