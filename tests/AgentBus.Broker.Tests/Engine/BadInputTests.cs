using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class BadInputTests
{
    private static async Task<BrokerErrorCode> SendErrorAsync(EngineHarness h, MessageRecord message) =>
        (await Assert.ThrowsAsync<BrokerException>(() => h.Engine.SendAsync(message).AsTask())).Code;

    [Fact]
    public async Task IllegalLiteTopicOnSend()
    {
        await using var h = await EngineHarness.StartAsync();
        Assert.Equal(BrokerErrorCode.IllegalLiteTopic, await SendErrorAsync(h, h.Lite("agents", "bad name")));
        Assert.Equal(BrokerErrorCode.IllegalLiteTopic, await SendErrorAsync(h, h.Lite("agents", new string('x', 65))));
    }

    [Fact]
    public async Task IllegalLiteTopicOnSubscribeChangesNothing()
    {
        await using var h = await EngineHarness.StartAsync();
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["ok", "not/ok"]));
        Assert.Equal(BrokerErrorCode.IllegalLiteTopic, error.Code);
        Assert.Equal(0, h.Engine.LiteSubscriptionCount);
    }

    [Fact]
    public async Task TimesNoTimestampCanCarryAreRefusedAndStoreNothing()
    {
        await using var h = await EngineHarness.StartAsync();
        long before = h.Engine.CommitLogPosition;

        Assert.Equal(BrokerErrorCode.BadRequest, await SendErrorAsync(h, new MessageRecord { Topic = "agents", LiteTopic = "t", MessageId = "m1", Body = new byte[1], BornTimestamp = long.MaxValue }));
        Assert.Equal(BrokerErrorCode.BadRequest, await SendErrorAsync(h, new MessageRecord { Topic = "agents", LiteTopic = "t", MessageId = "m2", Body = new byte[1], BornTimestamp = long.MinValue }));
        var delayed = new MessageRecord { Topic = "orders", MessageId = "m", Body = new byte[1], DeliveryTimestamp = -1 };
        Assert.Equal(BrokerErrorCode.IllegalDeliveryTime, await SendErrorAsync(h, delayed));

        Assert.Equal(before, h.Engine.CommitLogPosition);
    }

    [Fact]
    public async Task ABatchRefusedByTheLiteTopicQuotaStoresNothing()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxLiteTopics = 2);
        await h.SendLiteAsync("agents", "a");
        long before = h.Engine.CommitLogPosition;

        var error = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.SendBatchAsync([h.Lite("agents", "a"), h.Lite("agents", "b"), h.Lite("agents", "c")]).AsTask());

        Assert.Equal(BrokerErrorCode.LiteTopicQuotaExceeded, error.Code);
        Assert.Equal(before, h.Engine.CommitLogPosition);
        Assert.Equal(1, h.Engine.LiteTopicCount);
        Assert.Equal(3, (await h.Engine.SendBatchAsync([h.Lite("agents", "a"), h.Lite("agents", "b"), h.Lite("agents", "b")])).Count);
        Assert.Equal(2, h.Engine.LiteTopicCount);
    }

    [Fact]
    public async Task OversizeBodyIsRefused()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxMessageBodySize = 1024);
        var message = new MessageRecord { Topic = "agents", LiteTopic = "t", MessageId = "m", Body = new byte[1025] };
        Assert.Equal(BrokerErrorCode.MessageBodyTooLarge, await SendErrorAsync(h, message));
    }

    [Fact]
    public async Task EmptyBodyIsRefused()
    {
        await using var h = await EngineHarness.StartAsync();
        var message = new MessageRecord { Topic = "agents", LiteTopic = "t", MessageId = "m" };
        Assert.Equal(BrokerErrorCode.MessageBodyEmpty, await SendErrorAsync(h, message));
    }

    [Fact]
    public async Task MessageTypeMismatches()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        byte[] body = [1];
        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, await SendErrorAsync(h, new MessageRecord { Topic = "agents", MessageId = "m", Body = body }));
        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, await SendErrorAsync(h, h.Lite("orders", "t")));
        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, await SendErrorAsync(h, new MessageRecord { Topic = "agents", LiteTopic = "t", MessageGroup = "g", MessageId = "m", Body = body }));
    }

    [Fact]
    public async Task UnknownTopicWithAutoCreateOff()
    {
        await using var h = await EngineHarness.StartAsync(o => o.AutoCreate = false);
        Assert.Equal(BrokerErrorCode.TopicNotFound, await SendErrorAsync(h, h.Lite("agents", "t")));
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]));
        Assert.Equal(BrokerErrorCode.TopicNotFound, error.Code);

        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]));
        Assert.Equal(BrokerErrorCode.ConsumerGroupNotFound, error.Code);
    }

    [Fact]
    public async Task AutoCreateMakesALiteParentAndBindsTheGroup()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("fresh", "t");
        h.Engine.SyncLiteSubscription("c1", "g", "fresh", LiteSyncAction.PartialAdd, ["t"]);

        Assert.True(h.Engine.Topics.TryGetTopic("fresh", out var topic));
        Assert.Equal(TopicMessageType.Lite, topic.MessageType);
        Assert.True(h.Engine.Topics.TryGetGroup("g", out var group));
        Assert.Equal("fresh", group.BindTopic);
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c2", "g", "other", LiteSyncAction.PartialAdd, ["t"]));
        Assert.Equal(BrokerErrorCode.BadRequest, error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-base64!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task ForgedReceiptHandleIsRefused(string handle)
    {
        await using var h = await EngineHarness.StartAsync();
        var error = Assert.Throws<BrokerException>(() => h.Engine.Ack("g", handle));
        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, error.Code);
    }

    [Fact]
    public async Task TamperedReceiptHandleIsRefused()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        string handle = Assert.Single(await h.ReceiveAsync("c1", "g")).ReceiptHandle;
        char[] chars = handle.ToCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';

        var error = Assert.Throws<BrokerException>(() => h.Engine.Ack("g", new string(chars)));

        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, error.Code);
        h.Engine.Ack("g", handle);
    }

    [Fact]
    public async Task AckWithAnotherGroupIsRefused()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        string handle = Assert.Single(await h.ReceiveAsync("c1", "g")).ReceiptHandle;

        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, Assert.Throws<BrokerException>(() => h.Engine.Ack("other", handle)).Code);
    }

    [Fact]
    public async Task ReceiveArgumentsAreChecked()
    {
        await using var h = await EngineHarness.StartAsync();
        var tooShort = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromMilliseconds(10), TimeSpan.Zero).AsTask());
        Assert.Equal(BrokerErrorCode.IllegalInvisibleTime, tooShort.Code);
        var none = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.ReceiveLiteAsync("c1", "g", "agents", 0, TimeSpan.FromSeconds(10), TimeSpan.Zero).AsTask());
        Assert.Equal(BrokerErrorCode.BadRequest, none.Code);
    }

    [Fact]
    public async Task MissingClientIdIsRefused()
    {
        await using var h = await EngineHarness.StartAsync();
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("", "g", "agents", LiteSyncAction.PartialAdd, ["t"])).Code);
    }
}
