using AgentBus.Broker.Consumption;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;

namespace AgentBus.Broker.Tests.Consumption;

/// <summary>The memory of completed continuous receives that tells a retried attempt id from a new one.</summary>
public sealed class ReceiveAttemptsTests
{
    [Fact]
    public void A_retry_with_the_attempt_id_of_the_last_completed_stream_gets_its_handles_once()
    {
        var attempts = new ReceiveAttempts(TimeProvider.System);
        attempts.RememberStream("client", "attempt-1", "group", "topic", ["h1", "h2"]);

        Assert.Equal(["h1", "h2"], attempts.TakeUnconfirmedStream("client", "attempt-1", "group", "topic"));
        Assert.Null(attempts.TakeUnconfirmedStream("client", "attempt-1", "group", "topic"));
    }

    [Fact]
    public void A_new_attempt_id_confirms_the_stream_and_forgets_it()
    {
        var attempts = new ReceiveAttempts(TimeProvider.System);
        attempts.RememberStream("client", "attempt-1", "group", "topic", ["h1"]);

        Assert.Null(attempts.TakeUnconfirmedStream("client", "attempt-2", "group", "topic"));
        Assert.Null(attempts.TakeUnconfirmedStream("client", "attempt-1", "group", "topic"));
    }

    [Fact]
    public void Streams_are_kept_per_consumer_and_forgotten_with_their_client()
    {
        var attempts = new ReceiveAttempts(TimeProvider.System);
        attempts.RememberStream("a", "x", "group", "topic", ["ha"]);
        attempts.RememberStream("b", "x", "group", "topic", ["hb"]);
        attempts.ForgetClient("a");

        Assert.Null(attempts.TakeUnconfirmedStream("a", "x", "group", "topic"));
        Assert.Equal(["hb"], attempts.TakeUnconfirmedStream("b", "x", "group", "topic"));
    }

    [Fact]
    public async Task The_engine_replays_an_attempt_until_its_deliveries_become_visible_and_then_drops_it()
    {
        await using var h = await EngineHarness.StartAsync(options => options.ClientScanInterval = TimeSpan.FromSeconds(1));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        var deliveries = await h.ReceiveAsync("c1", "g", invisibleSeconds: 10);
        h.Engine.ReceiveAttempts.Remember("c1", "a1", "g", "agents", deliveries);

        Assert.Same(deliveries, h.Engine.ReceiveAttempts.Replay("c1", "a1", "g", "agents"));
        Assert.Null(h.Engine.ReceiveAttempts.Replay("c1", "a2", "g", "agents"));
        h.Time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(0, h.Engine.ReceiveAttempts.Count);
        Assert.Null(h.Engine.ReceiveAttempts.Replay("c1", "a1", "g", "agents"));
    }
}
