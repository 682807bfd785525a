using AgentBus.Broker.Clients;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;

namespace AgentBus.Broker.Tests.Clients;

/// <summary>
/// One client session per client id, with liveness: calls keep it alive, silence past the client expiry or a terminate
/// forgets it in every per-client store at once.
/// </summary>
public sealed class ClientLivenessTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(3);

    private static Task<EngineHarness> StartAsync() => EngineHarness.StartAsync(o => o.ClientExpiry = Expiry);

    /// <summary>
    /// c1 holds a received delivery (tracked for auto-renewal, remembered by attempt id), has the next message waiting
    /// in its ready set, and shares the lite topic with c2 of the same group.
    /// </summary>
    private static async Task<Subscriptions.LiteSession> HoldingClientAsync(EngineHarness h)
    {
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "first");
        var received = await h.ReceiveAsync("c1", "g", max: 1, invisibleSeconds: 3600);
        var held = Assert.Single(received);
        h.Engine.Renewals.Track("c1", "g", held.ReceiptHandle, held.InvisibleUntil);
        h.Engine.ReceiveAttempts.Remember("c1", "attempt-1", "g", "agents", received);
        await h.SendLiteAsync("agents", "t", "second");
        h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);

        var lite = h.Engine.FindClient("c1")?.Lite;
        Assert.NotNull(lite);
        Assert.Equal(1, lite.Ready.Count);
        Assert.Equal((1, 1), (h.Engine.Renewals.Count, h.Engine.ReceiveAttempts.Count));
        Assert.Equal(["c1", "c2"], h.Engine.DescribeLiteTopic("agents", "t").Subscribers.Select(s => s.ClientId).Order());
        return lite;
    }

    /// <summary>c1 is gone from the client table and from every store that kept something for it.</summary>
    private static async Task AssertForgottenAsync(EngineHarness h, Subscriptions.LiteSession lite)
    {
        Assert.Null(h.Engine.FindClient("c1"));
        Assert.Equal((1, 1), (h.Engine.ClientCount, h.Engine.LiteClientCount));
        Assert.Null(h.Engine.DescribeLiteClient("c1"));
        Assert.Empty(h.Engine.LiteSubscriptionsOf("c1"));
        Assert.Equal(1, h.Engine.LiteSubscriptionCount); // c2's
        Assert.Equal(["c2"], h.Engine.DescribeLiteTopic("agents", "t").Subscribers.Select(s => s.ClientId));
        Assert.True(lite.Closed);
        Assert.Equal(0, lite.Ready.Count);
        Assert.Equal(0, h.Engine.Renewals.Count);
        Assert.Equal(0, h.Engine.ReceiveAttempts.Count);
        // What c1 held comes back at once (long before its hour of invisibility ends), beside what was waiting.
        var bodies = (await h.ReceiveAsync("c2", "g")).Select(d => d.BodyText()).Order();
        Assert.Equal(["first", "second"], bodies);
    }

    [Fact]
    public async Task Calls_keep_a_client_alive_and_silence_for_the_client_expiry_forgets_it_in_every_store()
    {
        await using var h = await StartAsync();
        var lite = await HoldingClientAsync(h);

        // Heartbeats and subscription changes each count as a call.
        h.Time.Advance(TimeSpan.FromMinutes(2));
        h.Engine.Heartbeat("c1");
        h.Time.Advance(TimeSpan.FromMinutes(2));
        h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.CompleteAdd, ["t"]);
        Assert.Equal(0, h.Engine.ExpireDeadClients());
        Assert.True(h.Engine.DescribeLiteClient("c1")!.Live);

        h.Time.Advance(TimeSpan.FromMinutes(1)); // c1 silent for 3 min now, c2 for 1 min
        Assert.False(h.Engine.DescribeLiteClient("c1")!.Live);
        Assert.Equal(1, h.Engine.ExpireDeadClients());

        await AssertForgottenAsync(h, lite);
    }

    [Fact]
    public async Task A_terminated_client_is_forgotten_in_every_store_at_once()
    {
        await using var h = await StartAsync();
        var lite = await HoldingClientAsync(h);

        Assert.True(h.Engine.ClientTerminated("c1"));
        Assert.False(h.Engine.ClientTerminated("c1"));

        await AssertForgottenAsync(h, lite);
        Assert.Equal(0, h.Engine.ExpireDeadClients());
    }

    [Fact]
    public async Task The_periodic_sweep_forgets_silent_clients_on_its_own()
    {
        await using var h = await EngineHarness.StartAsync(o =>
        {
            o.ClientExpiry = Expiry;
            o.ClientScanInterval = TimeSpan.FromSeconds(10);
        });
        h.Engine.Heartbeat("producer");
        h.Engine.SyncLiteSubscription("consumer", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);

        h.Time.Advance(Expiry - TimeSpan.FromSeconds(10));
        Assert.Equal((2, 1), (h.Engine.ClientCount, h.Engine.LiteClientCount));
        h.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal((0, 0, 0), (h.Engine.ClientCount, h.Engine.LiteClientCount, h.Engine.LiteSubscriptionCount));
        Assert.Contains(h.Logs.Logger.Entries, e => e.Message == "Forgot 2 silent clients");
    }

    [Fact]
    public async Task An_open_stream_keeps_a_silent_client_alive_until_it_closes()
    {
        await using var h = await StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var session = h.Engine.FindClient("c1")!;
        session.StreamOpened();

        h.Time.Advance(Expiry * 2);
        Assert.Equal(0, h.Engine.ExpireDeadClients());
        Assert.True(h.Engine.DescribeLiteClient("c1")!.Live);
        Assert.Equal(["c1"], h.Engine.DescribeLiteTopic("agents", "t").Subscribers.Where(s => s.Live).Select(s => s.ClientId));

        session.StreamClosed(); // silent since the subscription: gone at the next sweep
        Assert.False(h.Engine.DescribeLiteClient("c1")!.Live);
        Assert.Equal(1, h.Engine.ExpireDeadClients());
        Assert.Equal(0, h.Engine.ClientCount);
    }

    [Fact]
    public async Task Auto_renewal_goes_on_while_the_client_lives_and_stops_once_it_is_silent()
    {
        await using var h = await EngineHarness.StartAsync(ClientSettings.Default with { RenewInterval = TimeSpan.FromSeconds(5) },
            o => o.ClientExpiry = Expiry);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        var held = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 10));
        h.Engine.Renewals.Track("c1", "g", held.ReceiptHandle, held.InvisibleUntil);

        // The engine's own timer (every 5 s here, as the server's default) renews it ahead of its end while c1 lives.
        h.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Empty(await h.ReceiveAsync("c1", "g"));
        Assert.Equal(1, h.Engine.Renewals.Count);

        // Silent past the expiry, without a sweep (the harness's is a day away): the renewer asks the client's
        // session, drops the delivery, and it comes back once its last renewal ends.
        h.Time.Advance(Expiry + TimeSpan.FromMinutes(1));
        Assert.Equal(0, h.Engine.Renewals.Count);
        Assert.Equal(2, Assert.Single(await h.ReceiveAsync("c1", "g")).DeliveryAttempt);
    }

    [Fact]
    public async Task A_client_keeps_its_session_when_it_moves_to_another_group_and_its_lite_part_starts_afresh()
    {
        await using var h = await StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var session = h.Engine.FindClient("c1")!;
        var first = session.Lite!;
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);

        h.Engine.SyncLiteSubscription("c1", "other", "agents", LiteSyncAction.PartialAdd, ["t"]);

        Assert.Same(session, h.Engine.FindClient("c1"));
        Assert.True(first.Closed);
        Assert.Equal("other", session.Lite!.Group);
        Assert.Equal((1, 1), (h.Engine.ClientCount, h.Engine.LiteClientCount));
    }

    [Fact]
    public async Task COMPLETE_REMOVE_drops_the_lite_session_but_not_the_client()
    {
        await using var h = await StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteRemove, []);

        Assert.Null(h.Engine.DescribeLiteClient("c1"));
        Assert.NotNull(h.Engine.FindClient("c1"));
        Assert.Equal((1, 0, 0), (h.Engine.ClientCount, h.Engine.LiteClientCount, h.Engine.LiteSubscriptionCount));
        Assert.True(h.Engine.ClientTerminated("c1"));
    }
}
