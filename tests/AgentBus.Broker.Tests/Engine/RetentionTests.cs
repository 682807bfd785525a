using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class RetentionTests
{
    private static async Task FillAsync(EngineHarness h, string lite, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await h.SendLiteAsync("agents", lite, new string('x', 900));
        }
    }

    private static async Task ConsumeAllAsync(EngineHarness h, string client)
    {
        for (int round = 0; round < 1000; round++)
        {
            var batch = await h.ReceiveAsync(client, "g", max: 32);
            if (batch.Count == 0)
            {
                return;
            }

            foreach (var d in batch)
            {
                h.Engine.Ack("g", d.ReceiptHandle);
            }
        }
    }

    [Fact]
    public async Task ConsumedSegmentsAreDeletedAndUnconsumedOnesKept()
    {
        await using var h = await EngineHarness.StartAsync(o => o.SegmentSize = 64 * 1024);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["done"]);
        await FillAsync(h, "done", 300);
        await ConsumeAllAsync(h, "c1");

        Assert.True(h.Engine.ApplyRetention() > 0);
        var offsets = h.Engine.LiteOffsets("agents", "done", "g")!.Value;
        Assert.True(offsets.Min > 0);
        Assert.Equal(300, offsets.Max);

        // An unconsumed message pins its segment and every later one.
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["pending"]);
        await h.SendLiteAsync("agents", "pending", "keep me");
        await FillAsync(h, "done", 300);
        await ConsumeAllAsync(h, "c1-other");
        var batch = await h.ReceiveAsync("c1", "g");
        foreach (var d in batch.Where(d => d.Message.LiteTopic == "done"))
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        h.Engine.ApplyRetention();
        await h.RestartAsync();
        h.Engine.SyncLiteSubscription("c2", "g", "agents", LiteSyncAction.PartialAdd, ["pending"]);
        Assert.Contains(await h.ReceiveAsync("c2", "g"), d => d.BodyText() == "keep me");
    }

    [Fact]
    public async Task SegmentsPastTheRetentionTimeGoEvenWithUnconsumedMessages()
    {
        await using var h = await EngineHarness.StartAsync(o =>
        {
            o.SegmentSize = 64 * 1024;
            o.LogRetention = TimeSpan.FromHours(1);
        });
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await FillAsync(h, "t", 200);
        Assert.Equal(0, h.Engine.ApplyRetention());

        h.Time.Advance(TimeSpan.FromHours(2));
        await FillAsync(h, "t", 100); // new segments, newer than the cutoff

        Assert.True(h.Engine.ApplyRetention() > 0);
        var offsets = h.Engine.LiteOffsets("agents", "t", "g")!.Value;
        Assert.True(offsets.Min > 0);
        Assert.Equal(offsets.Min, offsets.Committed);
        var first = (await h.ReceiveAsync("c1", "g"))[0];
        Assert.Equal(offsets.Min, first.Message.QueueOffset);
    }

    [Fact]
    public async Task RestartAfterRetentionRebuildsIndexesFromTheRemainingLog()
    {
        await using var h = await EngineHarness.StartAsync(o => o.SegmentSize = 64 * 1024);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await FillAsync(h, "t", 200);
        var received = await h.ReceiveAsync("c1", "g", max: 32);
        for (int round = 0; round < 10; round++)
        {
            foreach (var d in received)
            {
                h.Engine.Ack("g", d.ReceiptHandle);
            }

            received = await h.ReceiveAsync("c1", "g", max: 32);
        }

        var before = h.Engine.LiteOffsets("agents", "t", "g")!.Value;
        h.Engine.ApplyRetention();
        var trimmed = h.Engine.LiteOffsets("agents", "t", "g")!.Value;
        Assert.True(trimmed.Min > 0);

        await h.RestartAsync();

        var after = h.Engine.LiteOffsets("agents", "t", "g")!.Value;
        Assert.Equal(trimmed.Min, after.Min);
        Assert.Equal(before.Max, after.Max);
        Assert.Equal(before.Committed, after.Committed);
        var sent = await h.SendLiteAsync("agents", "t");
        Assert.Equal(200, sent.QueueOffset);
    }
}
