using System.Globalization;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>
/// A commit-log segment deleted behind the broker's back while the checkpoints record data in it: an error saying how
/// much is missing, then a refusal to start (the default) or, when configured, a start without those messages.
/// </summary>
public sealed class LogDataLossTests
{
    private const int SegmentSize = 1 << 20;
    private static readonly string Body = new('x', 4000);

    /// <summary>Messages over three segments, the first 50 acknowledged, clean shutdown; returns the newest segment's
    /// path and the indexes of the messages in it.</summary>
    private static async Task<(EngineHarness H, string Newest, int FirstLost, int Sent)> PrepareAsync(bool continueAfterLoss)
    {
        var h = await EngineHarness.StartAsync(o => o.ContinueAfterLogDataLoss = continueAfterLoss);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        int firstLost = -1, sent = 0;
        for (; sent < 600; sent++)
        {
            await h.SendLiteAsync("agents", "t", $"{sent}:{Body}");
            if (firstLost < 0 && (h.Engine.CommitLogPosition - 1) / SegmentSize == 2)
            {
                firstLost = sent;
            }
        }

        Assert.True(firstLost > 50 && (h.Engine.CommitLogPosition - 1) / SegmentSize == 2, "the messages span exactly three segments");
        for (int round = 0; round < 2; round++)
        {
            foreach (var d in await h.ReceiveAsync("c1", "g", max: 25))
            {
                h.Engine.Ack("g", d.ReceiptHandle);
            }
        }

        await h.StopAsync();
        string newest = Path.Combine(h.DataDirectory, "commitlog", (2L * SegmentSize).ToString("D20", CultureInfo.InvariantCulture));
        Assert.True(File.Exists(newest));
        return (h, newest, firstLost, sent);
    }

    [Fact]
    public async Task ByDefaultTheBrokerRefusesToStartSaysHowMuchIsMissingAndChangesNothing()
    {
        var (h, newest, firstLost, sent) = await PrepareAsync(continueAfterLoss: false);
        await using var _ = h;
        File.Delete(newest);
        var files = Snapshot(h.DataDirectory);

        var refused = await Assert.ThrowsAsync<BrokerException>(h.OpenAsync);

        string lost = (sent - firstLost).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(BrokerErrorCode.Unavailable, refused.Code);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains($"{lost} acknowledged messages in 1 queues", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ContinueAfterLogDataLoss", refused.Message, StringComparison.Ordinal);
        var error = Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == 1110);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains($"({lost} acknowledged messages in 1 queues", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not start and changed nothing", error.Message, StringComparison.Ordinal);
        Assert.Equal(files, Snapshot(h.DataDirectory));
    }

    [Fact]
    public async Task WithoutTheLogsOwnCheckpointTheIndexCheckpointStillRevealsTheLoss()
    {
        var (h, newest, firstLost, sent) = await PrepareAsync(continueAfterLoss: false);
        await using var _ = h;
        File.Delete(newest);
        File.Delete(Path.Combine(h.DataDirectory, "commitlog", "checkpoint"));
        byte[] offsets = File.ReadAllBytes(Path.Combine(h.DataDirectory, "offsets.bin"));

        var refused = await Assert.ThrowsAsync<BrokerException>(h.OpenAsync);

        Assert.Contains($"{sent - firstLost} acknowledged messages", refused.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Error, Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == 1110).Level);
        // The refused start did not overwrite the state files with what little it had recovered.
        Assert.Equal(offsets, File.ReadAllBytes(Path.Combine(h.DataDirectory, "offsets.bin")));
    }

    [Fact]
    public async Task WhenConfiguredToContinueItStartsWithoutThemAndSkipsNothingThatSurvived()
    {
        var (h, newest, firstLost, sent) = await PrepareAsync(continueAfterLoss: true);
        await using var _ = h;
        File.Delete(newest);

        await h.OpenAsync();

        var error = Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == 1110);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains($"({sent - firstLost} acknowledged messages in 1 queues", error.Message, StringComparison.Ordinal);
        Assert.Contains("Continuing because ContinueAfterLogDataLoss is set", error.Message, StringComparison.Ordinal);
        Assert.Equal((0L, (long)firstLost, (long?)50), h.Engine.LiteOffsets("agents", "t", "g"));

        // Everything unread that survived, then a message sent after the restart.
        var survivors = await StateFileDamage.DrainAsync(h, "c2");
        Assert.Equal(Enumerable.Range(50, firstLost - 50).Select(i => $"{i}"), survivors.Select(b => b.Split(':')[0]));
        await h.SendLiteAsync("agents", "t", "after");
        Assert.Equal(["after"], (await h.ReceiveAsync("c2", "g")).Select(d => d.BodyText()));
    }

    [Fact]
    public async Task AnUnflushedTailLostInAPowerFailureLowersOffsetsWithAWarningNotARefusal()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        long durable = 0;
        for (int i = 0; i < 10; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
            durable = i == 5 ? h.Engine.CommitLogPosition : durable;
        }

        foreach (var d in await h.ReceiveAsync("c1", "g"))
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        await h.StopAsync();
        // As after a power failure in Async flush mode: the last 4 records never reached the disk, and neither the
        // log's checkpoint nor an index checkpoint got past what did; the offsets checkpoint had them acknowledged.
        string commitLog = Path.Combine(h.DataDirectory, "commitlog");
        using (var checkpoint = Broker.Storage.CheckpointFile.Open(commitLog))
        {
            checkpoint.Write(durable);
        }

        StateFileDamage.Truncate(Path.Combine(commitLog, 0L.ToString("D20", CultureInfo.InvariantCulture)), (int)durable);
        File.Delete(Path.Combine(h.DataDirectory, "index.checkpoint"));
        File.Delete(Path.Combine(h.DataDirectory, "index.checkpoint.prev"));

        await h.OpenAsync();

        var warning = Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == 1111);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("1 committed offsets pointed past the end of their queue: 4 acknowledged messages", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Logs.Logger.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal((0L, 6L, (long?)6), h.Engine.LiteOffsets("agents", "t", "g"));
        await h.SendLiteAsync("agents", "t", "after");
        Assert.Equal(["after"], await StateFileDamage.DrainAsync(h, "c2"));
    }

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            path => Path.GetRelativePath(directory, path),
            path => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
}
