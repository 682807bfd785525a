using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>The official Node.js client's LitePushConsumer on lite topics.</summary>
public sealed class LiteTopicTests(ITestOutputHelper output) : InteropTest(output)
{
    [Fact]
    public async Task SubscribeLiteReceivesAndUnsubscribeLiteStops()
    {
        var result = await RunScenarioAsync("lite-subscribe");

        Assert.Equal(5, result["received"].GetInt32());
    }

    [Fact]
    public async Task SubscribeLiteRightAfterStartIsNotUndoneByTheStartupCompleteAdd()
    {
        var result = await RunScenarioAsync("lite-subscribe-race");

        Assert.Equal(6, result["consumers"].GetInt32());
    }

    [Fact]
    public async Task OffsetOptionsChooseWhereASubscriptionStarts()
    {
        var result = await RunScenarioAsync("lite-offsets");

        Assert.Equal([0, 1, 2, 3, 10], result["received"].GetProperty("min").EnumerateArray().Select(seq => seq.GetInt32()));
        Assert.Equal([10], result["received"].GetProperty("max").EnumerateArray().Select(seq => seq.GetInt32()));
    }

    [Fact]
    public async Task WithWhenAloneASecondMembersMinOffsetDoesNotRedeliverWhatTheGroupAcknowledged()
    {
        var result = await RunScenarioAsync("lite-offset-shared", "lite-offset-shared", "keep");

        Assert.Equal(0, result["replayed"].GetInt32());
        Assert.Equal([0, 1, 2, 3], result["received"].GetProperty("a").EnumerateArray().Select(seq => seq.GetInt32()).Where(seq => seq < 10));
        Assert.DoesNotContain(result["received"].GetProperty("b").EnumerateArray().Select(seq => seq.GetInt32()), seq => seq < 10);
    }

    [Fact]
    public async Task ByDefaultASecondMembersMinOffsetMovesTheGroupBackAsRocketMq55Does()
    {
        var result = await RunScenarioAsync("lite-offset-shared", "lite-offset-shared-move", "move");

        Assert.Equal(4, result["replayed"].GetInt32());
    }

    [Fact]
    public async Task ClientsOfOneGroupGetOnlyTheirOwnLiteTopics()
    {
        var result = await RunScenarioAsync("lite-directed");

        var shared = result["sharedSplit"];
        Assert.Equal(6, shared.GetProperty("a").GetInt32() + shared.GetProperty("b").GetInt32());
    }

    [Fact]
    public async Task ExclusiveModeHandsALiteTopicToTheNewSubscriber()
    {
        var result = await RunScenarioAsync("lite-exclusive");

        Assert.Equal([1], result["a"].EnumerateArray().Select(seq => seq.GetInt32()));
        Assert.Equal([2, 3], result["b"].EnumerateArray().Select(seq => seq.GetInt32()));
    }

    [Fact]
    public async Task NoLiteTopicStallsWhenTheReadySetOverflows()
    {
        var result = await RunScenarioAsync("lite-many");

        Assert.Equal(300, result["delivered"].GetInt32());
    }

    [Fact]
    public async Task FifoGroupKeepsOrderPerLiteTopic()
    {
        var result = await RunScenarioAsync("lite-fifo");

        Assert.Equal(30, result["consumed"].GetInt32());
    }

    [Fact]
    public async Task FailedSuspendedAndExhaustedLiteMessages()
    {
        var result = await RunScenarioAsync("lite-retry");

        Assert.Equal(3, result["maxAttempts"].GetInt32());
    }
}
