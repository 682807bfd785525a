using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Tests;

/// <summary>A SendMessage request is stored whole or refused whole: a refused batch leaves nothing to duplicate on retry.</summary>
public sealed class AtomicBatchTests
{
    private const string Parent = "agents";
    private const string Group = "workers";

    [Fact]
    public async Task A_batch_that_would_pass_the_lite_topic_quota_is_refused_whole_and_stores_nothing()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.MaxLiteTopics = 2);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent));
        var consumer = broker.Client();
        Assert.Equal(Code.Ok, (await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, ["existing"])).Code);
        long logBefore = broker.Engine.CommitLogPosition;

        // The first message goes to a lite topic that exists; the next two would create two more, one past the quota.
        var response = await broker.Client().SendAsync(
            TestClient.Message(Parent, "first", liteTopic: "existing"),
            TestClient.Message(Parent, "second", liteTopic: "new-1"),
            TestClient.Message(Parent, "third", liteTopic: "new-2"));

        Assert.Equal(Code.LiteTopicQuotaExceeded, response.Status.Code);
        Assert.Empty(response.Entries);
        Assert.Equal(logBefore, broker.Engine.CommitLogPosition);
        Assert.Equal(1, broker.Engine.LiteTopicCount);
        Assert.Equal(0, broker.Engine.LiteBacklog(Parent, "existing", Group));
        var received = await consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromMilliseconds(300));
        Assert.Empty(received.Messages);
        Assert.Equal(Code.MessageNotFound, received.Status?.Code);

        // Within the quota the same kind of batch is stored whole.
        var fits = await broker.Client().SendAsync(
            TestClient.Message(Parent, "first", liteTopic: "existing"),
            TestClient.Message(Parent, "second", liteTopic: "new-1"));
        Assert.Equal(Code.Ok, fits.Status.Code);
        Assert.Equal(2, fits.Entries.Count);
    }

    [Fact]
    public async Task A_batch_mixing_message_types_on_a_topic_is_refused_whole_and_stores_nothing()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var client = broker.Client();
        long logBefore = broker.Engine.CommitLogPosition;

        // A normal message first, then one with a message group, which a normal topic does not take.
        var mixed = await client.SendAsync(TestClient.Message("orders", "plain"), TestClient.Message("orders", "grouped", messageGroup: "g1"));

        Assert.Equal(Code.MessagePropertyConflictWithType, mixed.Status.Code);
        Assert.Empty(mixed.Entries);
        Assert.Equal(logBefore, broker.Engine.CommitLogPosition);
        var received = await client.ReceiveAsync("orders", "g", poll: TimeSpan.FromMilliseconds(300));
        Assert.Empty(received.Messages);
    }

    [Fact]
    public async Task A_batch_of_lite_and_plain_messages_to_a_new_topic_is_refused_and_creates_no_topic()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = broker.Client();
        long logBefore = broker.Engine.CommitLogPosition;

        var mixed = await client.SendAsync(TestClient.Message("fresh", "lite", liteTopic: "s1"), TestClient.Message("fresh", "plain"));

        Assert.Equal(Code.MessagePropertyConflictWithType, mixed.Status.Code);
        Assert.Equal(logBefore, broker.Engine.CommitLogPosition);
        Assert.False(broker.Engine.Topics.TryGetTopic("fresh", out _));
        Assert.Equal(0, broker.Engine.LiteTopicCount);
    }
}
