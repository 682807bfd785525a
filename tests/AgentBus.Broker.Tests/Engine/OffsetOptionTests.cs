using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class OffsetOptionTests
{
    private static async Task<EngineHarness> WithFiveMessagesAsync()
    {
        var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
            h.Time.Advance(TimeSpan.FromSeconds(10));
        }

        return h;
    }

    private static async Task<string[]> SubscribeAndReadAsync(EngineHarness h, StartPosition? option)
    {
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"], offsetOption: option);
        return [.. (await h.ReceiveAsync("c1", "g")).Select(d => d.BodyText())];
    }

    [Fact]
    public async Task MinStartsAtTheFirstMessage()
    {
        await using var h = await WithFiveMessagesAsync();
        Assert.Equal(["0", "1", "2", "3", "4"], await SubscribeAndReadAsync(h, StartPosition.Min));
    }

    [Fact]
    public async Task MaxSkipsStoredMessages()
    {
        await using var h = await WithFiveMessagesAsync();
        Assert.Empty(await SubscribeAndReadAsync(h, StartPosition.Max));
        await h.SendLiteAsync("agents", "t", "new");
        Assert.Equal("new", Assert.Single(await h.ReceiveAsync("c1", "g")).BodyText());
    }

    [Fact]
    public async Task ExplicitOffset()
    {
        await using var h = await WithFiveMessagesAsync();
        Assert.Equal(["3", "4"], await SubscribeAndReadAsync(h, StartPosition.AtOffset(3)));
    }

    [Fact]
    public async Task TailN()
    {
        await using var h = await WithFiveMessagesAsync();
        Assert.Equal(["2", "3", "4"], await SubscribeAndReadAsync(h, StartPosition.Tail(3)));
    }

    [Fact]
    public async Task Timestamp()
    {
        await using var h = await WithFiveMessagesAsync();
        // Messages were stored at t0, t0+10s, ... t0+40s; start at t0+15s.
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 15, TimeSpan.Zero);
        Assert.Equal(["2", "3", "4"], await SubscribeAndReadAsync(h, StartPosition.FromTimestamp(from)));
    }

    [Fact]
    public async Task LastResumesFromTheCommittedOffsetAndStartsAtTheFirstMessageWithoutOne()
    {
        await using var h = await WithFiveMessagesAsync();
        var first = await h.ReceiveAsync("probe", "other");
        Assert.Empty(first); // a client without subscriptions gets nothing

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var batch = await h.ReceiveAsync("c1", "g", max: 2);
        foreach (var d in batch)
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        h.Engine.ClientTerminated("c1");
        Assert.Equal(["2", "3", "4"], await SubscribeAndReadAsync(h, StartPosition.Last));
    }

    [Fact]
    public async Task ExplicitOptionOnAnExistingSubscriptionRewinds()
    {
        await using var h = await WithFiveMessagesAsync();
        foreach (var d in await SubscribeAndReadAsync(h, null))
        {
            Assert.NotNull(d);
        }

        Assert.Equal(["4"], await SubscribeAndReadAsync(h, StartPosition.Tail(1)));
    }

    [Fact]
    public async Task NegativeOffsetIsRefused()
    {
        await using var h = await EngineHarness.StartAsync();
        var error = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"], offsetOption: StartPosition.AtOffset(-1)));
        Assert.Equal(BrokerErrorCode.IllegalOffset, error.Code);
    }
}
