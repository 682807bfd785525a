using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>Named regressions for bugs known in the reference implementation.</summary>
public sealed class RegressionTests
{
    [Fact]
    public async Task Upstream11191_MessagesArrivingWhileAPopDrainsTheLiteTopicAreNotStranded()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int total = 2000;
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < total; i++)
            {
                await h.SendLiteAsync("agents", "t", $"{i}");
            }
        });

        int received = 0;
        while (received < total && !stop.IsCancellationRequested)
        {
            // Real long polls racing with the producer: every arrival must leave the lite topic ready again.
            var batch = await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 7, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50), stop.Token);
            foreach (var delivery in batch)
            {
                h.Engine.Ack("g", delivery.ReceiptHandle);
                received++;
            }

            if (batch.Count == 0)
            {
                h.Time.Advance(TimeSpan.FromMilliseconds(50));
            }
        }

        await producer;
        Assert.Equal(total, received);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
    }

    [Fact]
    public async Task BatchLimitedPopLeavesTheLiteTopicReady()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "t");
        }

        Assert.Equal(2, (await h.ReceiveAsync("c1", "g", max: 2)).Count);
        Assert.Equal(1, h.Engine.ReadySetSize("c1"));
        Assert.Equal(3, (await h.ReceiveAsync("c1", "g", max: 10)).Count);
    }
}
