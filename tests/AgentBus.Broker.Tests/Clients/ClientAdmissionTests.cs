using AgentBus.Broker.Clients;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;

namespace AgentBus.Broker.Tests.Clients;

/// <summary>
/// Which new clients the engine admits: ids within the length bound, while fewer than the most clients are known;
/// a known client is always served.
/// </summary>
public sealed class ClientAdmissionTests
{
    private static Task<EngineHarness> StartAsync(int maxClients, int maxIdLength) =>
        EngineHarness.StartAsync(ClientSettings.Default with { Admission = new ClientAdmission(maxClients, maxIdLength) });

    [Fact]
    public async Task An_id_past_the_length_bound_is_refused_as_a_bad_request_and_kept_nowhere()
    {
        await using var h = await StartAsync(maxClients: 10, maxIdLength: 8);
        h.Engine.Heartbeat("12345678");

        var heartbeat = Assert.Throws<BrokerException>(() => h.Engine.Heartbeat("123456789"));
        var sync = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("123456789", "g", "agents", LiteSyncAction.PartialAdd, ["t"]));
        var receive = await Assert.ThrowsAsync<BrokerException>(() => h.ReceiveAsync("123456789", "g"));

        Assert.All([heartbeat, sync, receive], refused => Assert.Equal(BrokerErrorCode.BadRequest, refused.Code));
        Assert.Null(h.Engine.FindClient("123456789"));
        Assert.Equal((1, 0, 0), (h.Engine.ClientCount, h.Engine.LiteClientCount, h.Engine.LiteSubscriptionCount));
        Assert.Equal((3L, 0L), (h.Engine.RefusedClientIds, h.Engine.RefusedClientsFull));
    }

    [Fact]
    public async Task New_clients_past_the_most_are_refused_while_known_ones_are_served_and_room_admits_them()
    {
        await using var h = await StartAsync(maxClients: 2, maxIdLength: 64);
        h.Engine.Heartbeat("a");
        h.Engine.SyncLiteSubscription("b", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);

        var heartbeat = Assert.Throws<BrokerException>(() => h.Engine.Heartbeat("c"));
        var sync = Assert.Throws<BrokerException>(() =>
            h.Engine.SyncLiteSubscription("c", "g", "agents", LiteSyncAction.PartialAdd, ["t"]));
        h.Engine.Heartbeat("a");
        h.Engine.SyncLiteSubscription("a", "g", "agents", LiteSyncAction.PartialAdd, ["u"]);

        Assert.All([heartbeat, sync], refused => Assert.Equal(BrokerErrorCode.TooManyClients, refused.Code));
        Assert.Equal(["a", "b"], h.Engine.ClientIds.Order());
        Assert.Equal(2, h.Engine.LiteSubscriptionCount);
        Assert.Equal((0L, 2L), (h.Engine.RefusedClientIds, h.Engine.RefusedClientsFull));

        Assert.True(h.Engine.ClientTerminated("b"));
        h.Engine.SyncLiteSubscription("c", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        Assert.Equal(["a", "c"], h.Engine.ClientIds.Order());
    }

    [Fact]
    public async Task A_blank_id_is_refused_without_counting_as_a_refused_client()
    {
        await using var h = await StartAsync(maxClients: 2, maxIdLength: 64);

        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => h.Engine.Heartbeat(" ")).Code);
        Assert.Equal((0, 0L), (h.Engine.ClientCount, h.Engine.RefusedClientIds));
    }
}
