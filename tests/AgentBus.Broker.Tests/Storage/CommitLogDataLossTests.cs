using System.Globalization;
using AgentBus.Broker.Storage;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>Fsynced records missing on open: refused by default without touching a file, or cut with an error.</summary>
public sealed class CommitLogDataLossTests
{
    private const int Segment = TestRecords.SmallSegment;

    [Fact]
    public void ADeletedNewestSegmentIsRefusedByDefaultAndNothingIsChanged()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        var refusing = new CommitLogOptions { Directory = options.Directory, SegmentSize = options.SegmentSize, FlushInterval = options.FlushInterval };
        List<Appended> appended;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(21), 300);
        }

        long lastBase = appended[^1].Result.Position / Segment * Segment;
        File.Delete(TestRecords.SegmentPath(directory.Path, lastBase));
        var before = Directory.GetFiles(directory.Path).ToDictionary(p => p, File.ReadAllBytes);

        var loss = Assert.Throws<CommitLogDataLossException>(() => CommitLog.Open(refusing));

        Assert.Equal(lastBase, loss.DataEnd);
        Assert.Equal(appended[^1].Result.EndPosition, loss.CheckpointPosition);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(directory.Path).Order());
        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));

        var logger = new ListLogger();
        using (var log = CommitLog.Open(options, logger))
        {
            Assert.Equal(loss.LostBytes, log.Recovery.DurableBytesLost);
            var error = Assert.Single(logger.Entries, e => e.Event.Id == 1011);
            Assert.Equal(LogLevel.Error, error.Level);
            Assert.Contains(loss.LostBytes.ToString(CultureInfo.InvariantCulture) + " bytes", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ALostRollWhoseSegmentNeverHeldFsyncedDataIsNoLoss()
    {
        // A crash right after a roll: the new segment's file is gone, but the checkpoint never passed its base.
        using var directory = new TempDirectory();
        var refusing = new CommitLogOptions { Directory = directory.Path, SegmentSize = Segment, FlushInterval = TimeSpan.FromHours(1) };
        long lastBase;
        using (var log = CommitLog.Open(refusing))
        {
            var appended = TestRecords.AppendMany(log, new Random(22), 300);
            lastBase = appended[^1].Result.Position / Segment * Segment;
        }

        File.Delete(TestRecords.SegmentPath(directory.Path, lastBase));
        using (var checkpoint = CheckpointFile.Open(directory.Path))
        {
            checkpoint.Write(lastBase);
        }

        var logger = new ListLogger();
        using var reopened = CommitLog.Open(refusing, logger);
        Assert.Equal(0, reopened.Recovery.DurableBytesLost);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Error);
    }
}
