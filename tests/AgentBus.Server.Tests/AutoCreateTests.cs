using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Tests;

/// <summary>
/// What Broker:AutoCreate may create, and how much: a send creates its topic with the message's type, a lite
/// subscription an unknown parent as a lite parent (it says what the topic carries), a normal receive a normal topic;
/// all within Broker:MaxAutoCreatedTopics / MaxAutoCreatedGroups.
/// </summary>
public sealed class AutoCreateTests
{
    [Fact]
    public async Task A_lite_subscription_creates_an_unknown_parent_as_a_lite_parent_and_a_normal_send_then_says_why_it_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = broker.Client();

        var sync = await client.SyncLiteAsync("fresh", "fresh-group", LiteSubscriptionAction.PartialAdd, ["a"]);
        var normal = await client.SendAsync(TestClient.Message("fresh", "not lite"));
        var lite = await client.SendAsync(TestClient.Message("fresh", "lite", liteTopic: "a"));

        Assert.Equal(Code.Ok, sync.Code);
        Assert.True(broker.Engine.Topics.TryGetTopic("fresh", out var topic));
        Assert.Equal(TopicMessageType.Lite, topic.MessageType);
        Assert.Equal(Code.MessagePropertyConflictWithType, normal.Status.Code);
        Assert.Contains("declare a topic in Broker:Topics", normal.Status.Message);
        Assert.Equal(Code.Ok, lite.Status.Code);
    }

    [Fact]
    public async Task Past_the_auto_create_quotas_unknown_topics_and_groups_are_not_found_while_known_ones_are_served()
    {
        await using var broker = await TestBroker.StartAsync(configure: o =>
        {
            o.MaxAutoCreatedTopics = 3;
            o.MaxAutoCreatedGroups = 2;
        });
        var client = broker.Client();

        var sends = new List<Code>();
        for (int i = 0; i < 4; i++)
        {
            sends.Add((await client.SendAsync(TestClient.Message($"topic-{i}", "x"))).Status.Code);
        }

        var liteOnNewParent = await client.SyncLiteAsync("parent-new", "group-0", LiteSubscriptionAction.PartialAdd, ["a"]);
        var receiveNewTopic = await client.ReceiveAsync("topic-new", "group-0", poll: TimeSpan.FromMilliseconds(100));
        var receiveKnown = await client.ReceiveAsync("topic-0", "group-0", poll: TimeSpan.FromMilliseconds(100));
        var receiveKnown2 = await broker.Client().ReceiveAsync("topic-1", "group-1", poll: TimeSpan.FromMilliseconds(100));
        var thirdGroup = await broker.Client().ReceiveAsync("topic-1", "group-2", poll: TimeSpan.FromMilliseconds(100));
        var sendKnown = await client.SendAsync(TestClient.Message("topic-2", "still served"));

        Assert.Equal([Code.Ok, Code.Ok, Code.Ok, Code.TopicNotFound], sends);
        Assert.Equal(Code.TopicNotFound, liteOnNewParent.Code);
        Assert.Contains("Broker:MaxAutoCreatedTopics", liteOnNewParent.Message);
        Assert.Equal(Code.TopicNotFound, receiveNewTopic.Status!.Code);
        Assert.Equal(["x"], receiveKnown.Bodies);
        Assert.Equal(["x"], receiveKnown2.Bodies);
        Assert.Equal(Code.ConsumerGroupNotFound, thirdGroup.Status!.Code);
        Assert.Contains("Broker:MaxAutoCreatedGroups", thirdGroup.Status.Message);
        Assert.Equal(Code.Ok, sendKnown.Status.Code);
        Assert.Equal(3, broker.Engine.Topics.Topics.Count);
        Assert.Equal(2, broker.Engine.Topics.Groups.Count);

        // Declared topics are an operator's choice, never refused.
        broker.Engine.Topics.CreateTopic(new TopicDefinition("declared", TopicMessageType.Normal));
        Assert.Equal(Code.Ok, (await client.SendAsync(TestClient.Message("declared", "x"))).Status.Code);
    }
}
