using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>The engine's one long-poll limit, which the server's options are validated against.</summary>
public sealed class LongPollLimitTests
{
    [Fact]
    public async Task A_receive_may_wait_up_to_the_limit_and_no_longer()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 1));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "ready");
        await h.Engine.SendAsync(new() { Topic = "orders", MessageId = "o1", Body = new byte[] { 1 } });
        var past = BrokerEngine.MaxLongPollTimeout + TimeSpan.FromMilliseconds(1);

        Assert.Equal(TimeSpan.FromMinutes(5), BrokerEngine.MaxLongPollTimeout);
        Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromSeconds(30), BrokerEngine.MaxLongPollTimeout));
        Assert.Single(await h.Engine.ReceiveAsync("billing", "orders", null, 1, TimeSpan.FromSeconds(30), BrokerEngine.MaxLongPollTimeout));
        var lite = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromSeconds(30), past).AsTask());
        var normal = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.ReceiveAsync("billing", "orders", null, 1, TimeSpan.FromSeconds(30), past).AsTask());
        Assert.Equal(BrokerErrorCode.BadRequest, lite.Code);
        Assert.Equal(BrokerErrorCode.BadRequest, normal.Code);
        Assert.Contains("0..5 min", normal.Message, StringComparison.Ordinal);
    }
}
