using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging;
using static AgentBus.Broker.Tests.StateFiles.StateFileDamage;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>index.checkpoint is a cache of the log: any damage costs only a longer scan, never a message.</summary>
public sealed class IndexCheckpointFileTests
{
    /// <summary>40 messages; a checkpoint after 20 (becomes .prev), the shutdown's checkpoint after 40.</summary>
    private static async Task<EngineHarness> PrepareAsync()
    {
        var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 20; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await h.Engine.CheckpointIndexesAsync();
        for (int i = 20; i < 40; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await h.StopAsync();
        return h;
    }

    private static string IndexPath(EngineHarness h) => Path.Combine(h.DataDirectory, "index.checkpoint");

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("truncated")]
    [InlineData("zero-length")]
    [InlineData("missing")]
    public async Task ADamagedNewestCopyFallsBackToThePreviousOneAndScansTheRest(string damage)
    {
        await using var h = await PrepareAsync();
        string path = IndexPath(h);
        Assert.True(Damage(path, damage, flipFromEnd: 50, truncateTo: 30));

        await h.OpenAsync();

        Assert.True(h.Engine.RecoveredFromIndexCheckpoint);
        Assert.Equal(20, h.Engine.RecoveryScannedRecords); // the 20 written after the previous checkpoint
        Assert.Equal(Range(0, 40), await DrainAsync(h, "c1"));
        var warning = Logged(h, 1108);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("index.checkpoint.prev written at", warning.Message, StringComparison.Ordinal);
        NothingAtOrAbove(h, LogLevel.Error);
    }

    [Fact]
    public async Task WithNoIntactCopyTheIndexesAreRebuiltFromTheWholeLog()
    {
        await using var h = await PrepareAsync();
        FlipByte(IndexPath(h), fromEnd: 50);
        File.WriteAllBytes(IndexPath(h) + ".prev", new byte[10]);
        File.WriteAllBytes(IndexPath(h) + ".tmp", new byte[70]); // torn leftover of a write

        await h.OpenAsync();

        Assert.False(h.Engine.RecoveredFromIndexCheckpoint);
        Assert.Equal(40, h.Engine.RecoveryScannedRecords);
        Assert.Equal(Range(0, 40), await DrainAsync(h, "c1"));
        Assert.Contains("rebuilding the indexes from the whole commit log", Logged(h, 1109).Message, StringComparison.Ordinal);
        NothingAtOrAbove(h, LogLevel.Error);
    }
}
