using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class IndexCheckpointTests
{
    [Fact]
    public async Task CleanRestartLoadsTheCheckpointAndScansNothing()
    {
        await using var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 50; i++)
        {
            await h.SendLiteAsync("agents", $"t{i % 5}", $"{i}");
        }

        await h.RestartAsync();

        Assert.True(h.Engine.RecoveredFromIndexCheckpoint);
        Assert.Equal(0, h.Engine.RecoveryScannedRecords);
        Assert.Equal(5, h.Engine.LiteTopicCount);
        Assert.Equal((0L, 10L, (long?)null), h.Engine.LiteOffsets("agents", "t3", "g"));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t3"]);
        Assert.Equal(["3", "8", "13", "18", "23", "28", "33", "38", "43", "48"], (await h.ReceiveAsync("c1", "g")).Select(d => d.BodyText()));
    }

    [Fact]
    public async Task CrashAfterACheckpointScansOnlyTheTail()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        for (int i = 0; i < 10; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
            await h.Engine.SendAsync(new Messages.MessageRecord { Topic = "orders", MessageId = $"o{i}", Body = new byte[] { 1 } });
        }

        await h.Engine.CheckpointIndexesAsync();
        // Expire nothing, add more after the checkpoint, including a lite topic the checkpoint does not know.
        for (int i = 10; i < 15; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await h.SendLiteAsync("agents", "new", "n");

        await using var recovered = await OpenCrashCopyAsync(h);

        Assert.True(recovered.RecoveredFromIndexCheckpoint);
        Assert.Equal(6, recovered.RecoveryScannedRecords);
        Assert.Equal((0L, 15L, (long?)null), recovered.LiteOffsets("agents", "t", "g"));
        Assert.Equal((0L, 1L, (long?)null), recovered.LiteOffsets("agents", "new", "g"));
        recovered.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var all = await recovered.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"{i}"), all.Select(d => d.BodyText()));
        var orders = await recovered.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(10, orders.Count);
    }

    [Fact]
    public async Task DamagedCheckpointFallsBackToAFullScan()
    {
        await using var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 20; i++)
        {
            await h.SendLiteAsync("agents", $"t{i % 4}");
        }

        await h.Engine.DisposeAsync();
        string path = Path.Combine(h.DataDirectory, "index.checkpoint");
        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        await h.OpenAsync();

        Assert.False(h.Engine.RecoveredFromIndexCheckpoint);
        Assert.Equal(20, h.Engine.RecoveryScannedRecords);
        Assert.Equal(4, h.Engine.LiteTopicCount);
        Assert.Equal((0L, 5L, (long?)null), h.Engine.LiteOffsets("agents", "t1", "g"));
    }

    [Fact]
    public async Task ExpiryAndRetentionAfterTheCheckpointAreReplayed()
    {
        await using var h = await EngineHarness.StartAsync(o =>
        {
            o.SegmentSize = 64 * 1024;
            o.ExpireLiteTopicsWithBacklog = true;
        });
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["kept"]);
        for (int i = 0; i < 200; i++)
        {
            await h.SendLiteAsync("agents", "kept", new string('x', 900));
        }

        await h.SendLiteAsync("agents", "doomed");
        await h.Engine.CheckpointIndexesAsync();

        for (int round = 0; round < 20; round++)
        {
            foreach (var d in await h.ReceiveAsync("c1", "g"))
            {
                h.Engine.Ack("g", d.ReceiptHandle);
            }
        }

        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, h.Engine.ExpireLiteTopics());
        Assert.True(h.Engine.ApplyRetention() > 0);
        h.Engine.CheckpointOffsets();
        var trimmed = h.Engine.LiteOffsets("agents", "kept", "g")!.Value;

        await using var recovered = await OpenCrashCopyAsync(h);

        Assert.True(recovered.RecoveredFromIndexCheckpoint);
        Assert.Null(recovered.LiteOffsets("agents", "doomed", "g"));
        Assert.Equal(trimmed, recovered.LiteOffsets("agents", "kept", "g")!.Value);
    }

    private static async Task<BrokerEngine> OpenCrashCopyAsync(EngineHarness h)
    {
        var copy = new TempDirectory();
        using (var cp = System.Diagnostics.Process.Start("cp", ["-a", h.DataDirectory + "/.", copy.Path])!)
        {
            await cp.WaitForExitAsync();
            Assert.Equal(0, cp.ExitCode);
        }

        var options = h.NewOptions();
        options.DataDirectory = copy.Path;
        return await BrokerEngine.OpenAsync(options, h.Time);
    }
}
