using AgentBus.Broker.Consumption;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker.Tests.Consumption;

/// <summary>Auto-renewal of deliveries: renewed ahead of their invisibility while the client lives, settled by the handle the client holds.</summary>
public sealed class ReceiptRenewerTests
{
    private static readonly ReceiptRenewal Renewal = new(MaxEntries: 100, MaxDuration: TimeSpan.FromMinutes(10),
        Ahead: TimeSpan.FromSeconds(3), InvisibleDuration: TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_tracked_delivery_stays_invisible_past_its_first_deadline_and_is_acked_with_the_handle_the_client_holds()
    {
        await using var h = await StartAsync();
        var delivery = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 10));
        var renewer = new ReceiptRenewer(Renewal, _ => true, h.Time, NullLogger.Instance);
        renewer.Track("c1", "g", delivery.ReceiptHandle, delivery.InvisibleUntil);

        Assert.Equal(0, renewer.RenewDue(h.Engine)); // not yet within the renew-ahead window
        h.Time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(1, renewer.RenewDue(h.Engine));
        h.Time.Advance(TimeSpan.FromSeconds(4));

        Assert.Empty(await h.ReceiveAsync("c1", "g"));
        renewer.Settle(delivery.ReceiptHandle, current =>
        {
            Assert.NotEqual(delivery.ReceiptHandle, current);
            h.Engine.Ack("g", current);
            return true;
        });
        Assert.Equal(0, renewer.Count);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task A_delivery_of_a_client_that_is_gone_is_dropped_and_comes_back_after_its_invisible_time()
    {
        await using var h = await StartAsync();
        var delivery = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 10));
        var renewer = new ReceiptRenewer(Renewal, _ => false, h.Time, NullLogger.Instance);
        renewer.Track("c1", "g", delivery.ReceiptHandle, delivery.InvisibleUntil);
        h.Time.Advance(TimeSpan.FromSeconds(8));

        Assert.Equal(0, renewer.RenewDue(h.Engine));
        Assert.Equal(0, renewer.Count);
        h.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, Assert.Single(await h.ReceiveAsync("c1", "g")).DeliveryAttempt);
    }

    [Fact]
    public async Task An_abandoned_delivery_is_not_renewed_but_its_handle_still_translates_until_it_is_visible_again()
    {
        await using var h = await StartAsync();
        var delivery = Assert.Single(await h.ReceiveAsync("c1", "g", invisibleSeconds: 10));
        var renewer = new ReceiptRenewer(Renewal, _ => true, h.Time, NullLogger.Instance);
        renewer.Track("c1", "g", delivery.ReceiptHandle, delivery.InvisibleUntil);
        h.Time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(1, renewer.RenewDue(h.Engine));

        renewer.Abandon([delivery.ReceiptHandle]);
        h.Time.Advance(TimeSpan.FromSeconds(8)); // within the renewed invisibility, inside the renew-ahead window

        Assert.Equal(0, renewer.RenewDue(h.Engine));
        Assert.Equal(1, renewer.Count);
        h.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, renewer.RenewDue(h.Engine));
        Assert.Equal(0, renewer.Count);
    }

    private static async Task<EngineHarness> StartAsync()
    {
        var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t");
        return h;
    }
}
