using System.Text;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging;
using static AgentBus.Broker.Tests.StateFiles.StateFileDamage;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>
/// offsets.bin after damage: whatever copy is used, a group resumes at or before what it acknowledged (redelivery),
/// never after it (a skipped unread message), and the broker says which file and what it costs.
/// </summary>
public sealed class OffsetsFileTests
{
    private const int Sent = 60;

    /// <summary>60 messages; 10 acknowledged and checkpointed, 20 more acknowledged, clean shutdown: offsets.bin says
    /// 30, offsets.bin.prev says 10.</summary>
    private static async Task<EngineHarness> PrepareAsync()
    {
        var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < Sent; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        foreach (var d in await h.ReceiveAsync("c1", "g", max: 10))
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        h.Engine.CheckpointOffsets();
        foreach (var d in await h.ReceiveAsync("c1", "g", max: 20))
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        await h.StopAsync();
        return h;
    }

    private static string OffsetsPath(EngineHarness h) => Path.Combine(h.DataDirectory, "offsets.bin");

    [Fact]
    public async Task AnIntactFileResumesExactlyAtTheAcknowledgedOffset()
    {
        await using var h = await PrepareAsync();
        await h.OpenAsync();

        Assert.Equal(Range(30, Sent), await DrainAsync(h, "c2"));
        NothingAtOrAbove(h, LogLevel.Warning);
    }

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("raised offset")]
    [InlineData("truncated")]
    [InlineData("zero-length")]
    [InlineData("missing")]
    public async Task ADamagedNewestCopyFallsBackToThePreviousCheckpointAndRedelivers(string damage)
    {
        await using var h = await PrepareAsync();
        string path = OffsetsPath(h);
        if (!Damage(path, damage, flipFromEnd: 30))
        {
            // "raised offset": the one committed offset is the 8 bytes before the end marker (which the 8-byte epoch
            // follows): 30 becomes 35.
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(30L, BitConverter.ToInt64(bytes, bytes.Length - 17));
            BitConverter.GetBytes(35L).CopyTo(bytes, bytes.Length - 17);
            File.WriteAllBytes(path, bytes);
        }

        await h.OpenAsync();

        // The previous checkpoint said 10: the 20 acknowledged after it come again, nothing unread is skipped.
        Assert.Equal((0L, (long)Sent, (long?)10), h.Engine.LiteOffsets("agents", "t", "g"));
        Assert.Equal(Range(10, Sent), await DrainAsync(h, "c2"));
        var warning = Logged(h, 1101);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("offsets.bin.prev written at 2026-01-01", warning.Message, StringComparison.Ordinal);
        Assert.Contains("may receive messages again that they acknowledged", warning.Message, StringComparison.Ordinal);
        Assert.Contains(damage switch
        {
            "flipped byte" or "raised offset" => "payload checksum mismatch",
            "truncated" => "truncated",
            "zero-length" => "zero-length",
            _ => "missing",
        }, warning.Message, StringComparison.Ordinal);
        NothingAtOrAbove(h, LogLevel.Error);

        // The good copy was promoted: the next start reads it without a word.
        await h.RestartAsync();
        Assert.Equal((0L, (long)Sent, (long?)10), h.Engine.LiteOffsets("agents", "t", "g"));
        Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == 1101);
    }

    [Fact]
    public async Task WithNoIntactCopyEveryGroupStartsOverFromTheOldestRetainedMessage()
    {
        await using var h = await PrepareAsync();
        FlipByte(OffsetsPath(h), fromEnd: 12);
        Truncate(OffsetsPath(h) + ".prev", 20);

        await h.OpenAsync();

        Assert.Equal(Range(0, Sent), await DrainAsync(h, "c2"));
        var error = Logged(h, 1102);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(OffsetsPath(h), error.Message, StringComparison.Ordinal);
        Assert.Contains("payload checksum mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains("offsets.bin.prev: truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("no unread message is skipped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingFileWithoutCopiesRedeliversEverythingAndSaysSo()
    {
        await using var h = await PrepareAsync();
        File.Delete(OffsetsPath(h));
        File.Delete(OffsetsPath(h) + ".prev");

        await h.OpenAsync();

        Assert.Equal(Range(0, Sent), await DrainAsync(h, "c2"));
        Assert.Equal(LogLevel.Warning, Logged(h, 1103).Level);
    }

    [Fact]
    public async Task ATornTempFileFromACrashMidWriteIsIgnored()
    {
        await using var h = await PrepareAsync();
        // A write that died after a few bytes: the header is still zero.
        File.WriteAllBytes(OffsetsPath(h) + ".tmp", new byte[100]);

        await h.OpenAsync();

        Assert.Equal(Range(30, Sent), await DrainAsync(h, "c2"));
        NothingAtOrAbove(h, LogLevel.Warning);
    }

    [Fact]
    public async Task ACrashBetweenTheTwoRenamesUsesTheCompleteTempFile()
    {
        await using var h = await PrepareAsync();
        // The newest copy was fsynced as offsets.bin.tmp and the old current already became .prev; then the crash.
        File.Move(OffsetsPath(h), OffsetsPath(h) + ".tmp");

        await h.OpenAsync();

        Assert.Equal(Range(30, Sent), await DrainAsync(h, "c2"));
        Assert.Contains("offsets.bin.tmp written at", Logged(h, 1101).Message, StringComparison.Ordinal);
        Assert.True(File.Exists(OffsetsPath(h)));
    }

    [Fact]
    public async Task AFileInTheFormatWithoutHeaderIsReadOnceAndRewritten()
    {
        await using var h = await PrepareAsync();
        // The layout offsets.bin had before the state file header: "OFFS", records, a 0 byte.
        using (var stream = File.Create(OffsetsPath(h)))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(0x4F464653);
            writer.Write((byte)1);
            writer.Write("agents");
            writer.Write("t");
            writer.Write(true);
            writer.Write(0);
            writer.Write("g");
            writer.Write(25L);
            writer.Write((byte)0);
        }

        await h.OpenAsync();

        Assert.Equal(Range(25, Sent), await DrainAsync(h, "c2"));
        Assert.Equal(LogLevel.Information, Logged(h, 1104).Level);
        Assert.Equal("ABSF"u8.ToArray(), File.ReadAllBytes(OffsetsPath(h))[..4]);
    }
}
