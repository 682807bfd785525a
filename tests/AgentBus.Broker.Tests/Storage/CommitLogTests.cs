using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Tests.Storage;

public sealed class CommitLogTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void EveryFieldRoundTrips()
    {
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var full = new MessageRecord
        {
            Topic = "agentbus",
            LiteTopic = "réponse-Ω-🚀",
            QueueId = 0,
            QueueOffset = 999, // ignored on input
            MessageId = "0100AABBCCDDEEFF0011223344",
            Tag = "tag-ü",
            Keys = ["k1", "", "ключ"],
            MessageGroup = "group-1",
            DeliveryTimestamp = 1_800_000_000_000,
            BornTimestamp = 1_700_000_000_000,
            BornHost = "10.1.2.3:4567",
            StoreTimestamp = 999, // ignored on input
            ReconsumeTimes = 3,
            Properties = Enumerable.Range(0, 200).ToDictionary(i => $"prop-{i}", i => i % 7 == 0 ? "" : $"välue-{i}"),
            Body = TestRecords.Body(1, 4000),
        };
        var minimal = new MessageRecord { Topic = "", MessageId = "" };
        var emptyStrings = new MessageRecord { Topic = "t", LiteTopic = "", MessageId = "m", Tag = "", MessageGroup = "", Body = Array.Empty<byte>() };

        var appended = new[]
        {
            TestRecords.Append(log, full, queueOffset: 41, storeTimestamp: 1_700_000_000_123),
            TestRecords.Append(log, minimal, queueOffset: 0, storeTimestamp: 0),
            TestRecords.Append(log, emptyStrings, queueOffset: long.MaxValue, storeTimestamp: -1),
        };

        foreach (var item in appended)
        {
            Assert.True(log.TryRead(item.Result.Position, out var read));
            TestRecords.AssertSame(item, read);
            Assert.True(log.TryReadHeader(item.Result.Position, out var header));
            TestRecords.AssertSameHeader(item, header);
        }

        // Null and empty stay distinct.
        Assert.True(log.TryRead(appended[1].Result.Position, out var min));
        Assert.Null(min.LiteTopic);
        Assert.Null(min.Tag);
        Assert.Null(min.MessageGroup);
        Assert.Empty(min.Keys);
        Assert.Empty(min.Properties);
        Assert.True(min.Body.IsEmpty);
        Assert.True(log.TryRead(appended[2].Result.Position, out var empty));
        Assert.Equal("", empty.LiteTopic);
        Assert.Equal("", empty.Tag);
        Assert.Equal("", empty.MessageGroup);
    }

    [Fact]
    public void SmallSegmentsRollOverAndRecordsNeverSpanSegments()
    {
        var random = new Random(1);
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var appended = TestRecords.AppendMany(log, random, 400);

        long previousEnd = 0;
        foreach (var item in appended)
        {
            var (position, end) = item.Result;
            Assert.True(position >= previousEnd, "positions must be monotonic");
            Assert.True(end > position);
            Assert.Equal(position / TestRecords.SmallSegment, (end - 1) / TestRecords.SmallSegment);
            previousEnd = end;
        }

        Assert.Equal(previousEnd, log.WritePosition);
        var segmentCount = (int)(log.WritePosition / TestRecords.SmallSegment) + 1;
        Assert.True(segmentCount >= 4, $"expected several segments, got {segmentCount}");
        for (var i = 0; i < segmentCount; i++)
        {
            var path = TestRecords.SegmentPath(_directory.Path, (long)i * TestRecords.SmallSegment);
            Assert.True(File.Exists(path), path);
            Assert.Equal(TestRecords.SmallSegment, new FileInfo(path).Length);
        }

        Assert.Equal("00000000000000065536", Path.GetFileName(TestRecords.SegmentPath(_directory.Path, 65536)));
        TestRecords.AssertContains(log, appended);
    }

    [Fact]
    public void ARecordThatExactlyFillsASegmentIsFollowedByANewSegment()
    {
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 4096));
        var probe = new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[100] };
        var overhead = RecordEncoder.Measure(probe, int.MaxValue) - 100;
        var first = TestRecords.Append(log, new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[1000 - overhead] }, 0, 0);
        var filler = TestRecords.Append(log, new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[3096 - overhead] }, 1, 0);
        Assert.Equal(4096, filler.Result.EndPosition);
        var next = TestRecords.Append(log, probe, 2, 0);
        Assert.Equal(4096, next.Result.Position);

        // Leave 4 bytes (less than a padding header) at the end of the second segment.
        var nearlyFull = TestRecords.Append(log, new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[4096 - 4 - next.Result.EndPosition + 4096 - overhead] }, 3, 0);
        Assert.Equal(8192 - 4, nearlyFull.Result.EndPosition);
        var last = TestRecords.Append(log, probe, 4, 0);
        Assert.Equal(8192, last.Result.Position);
        TestRecords.AssertContains(log, [first, filler, next, nearlyFull, last]);

        log.Dispose();
        using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 4096));
        Assert.False(reopened.Recovery.Truncated);
        TestRecords.AssertContains(reopened, [first, filler, next, nearlyFull, last]);
    }

    [Fact]
    public void ThousandsOfRollsUsePreparedSegmentsAndLoseNothing()
    {
        // Tiny segments: the background preparer and the roll race on almost every append.
        var options = TestRecords.Options(_directory.Path, segmentSize: 4096);
        var random = new Random(8);
        var appended = new List<Appended>();
        using (var log = CommitLog.Open(options))
        {
            for (var i = 0; i < 6000; i++)
            {
                appended.Add(TestRecords.Append(log, TestRecords.Create(random, i, bodySize: random.Next(0, 400)), i, i));
                // Progress is reported every SegmentSize/8 bytes; past 2048 + 512 + one record the preparer has
                // certainly heard that the segment is half full.
                if (i % 50 == 0 && log.WritePosition % 4096 >= 3300)
                {
                    // Now and then let the preparer catch up, so rolls take both paths: prepared and created on the spot.
                    Assert.True(SpinWait.SpinUntil(() => log.NextSegmentPrepared, TimeSpan.FromSeconds(30)));
                }
            }

            Assert.True(log.WritePosition / 4096 > 300);
            Assert.True(log.PreparedRolls > 0, "no roll used a prepared segment");
            TestRecords.AssertContains(log, appended);
        }

        Assert.Empty(Directory.GetFiles(_directory.Path, "*.prepared"));
        using (var log = CommitLog.Open(options))
        {
            Assert.False(log.Recovery.Truncated);
            TestRecords.AssertContains(log, appended);
        }
    }

    [Fact]
    public void AStalePreparedSegmentIsRemovedOnOpen()
    {
        using (var log = CommitLog.Open(TestRecords.Options(_directory.Path)))
        {
            TestRecords.AppendMany(log, new Random(9), 10);
        }

        var stale = TestRecords.SegmentPath(_directory.Path, TestRecords.SmallSegment) + ".prepared";
        File.WriteAllBytes(stale, new byte[100]);
        using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path));
        Assert.False(File.Exists(stale));
        Assert.False(reopened.Recovery.Truncated);
        Assert.Equal(10, reopened.Scan(0).Count());
    }

    [Fact]
    public void ScanReturnsHeadersInLogOrderFromAnyRecordBoundary()
    {
        var random = new Random(2);
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var appended = TestRecords.AppendMany(log, random, 300);

        var all = log.Scan(0).ToList();
        Assert.Equal(appended.Count, all.Count);
        for (var i = 0; i < all.Count; i++)
        {
            TestRecords.AssertSameHeader(appended[i], all[i]);
        }

        var from = appended[137].Result.Position;
        var tail = log.Scan(from).ToList();
        Assert.Equal(appended.Count - 137, tail.Count);
        TestRecords.AssertSameHeader(appended[137], tail[0]);
        Assert.Empty(log.Scan(log.WritePosition));
        Assert.Equal(appended.Count, log.Scan(-100).Count());

        // A scan sees the records present when it was called, not later ones.
        var snapshot = log.Scan(0);
        TestRecords.AppendMany(log, random, 5, firstIndex: 300);
        Assert.Equal(appended.Count, snapshot.Count());
    }

    [Fact]
    public void GarbagePositionsReadAsFalse()
    {
        var random = new Random(3);
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var appended = TestRecords.AppendMany(log, random, 200);

        long[] garbage = [-1, long.MinValue, log.WritePosition, log.WritePosition + 1, long.MaxValue, 1, 7, 8, 55];
        foreach (var position in garbage)
        {
            Assert.False(log.TryRead(position, out _), $"position {position}");
            Assert.False(log.TryReadHeader(position, out _), $"position {position}");
        }

        foreach (var item in appended)
        {
            foreach (var delta in new[] { 1, 4, 8, 13, 56, (int)(item.Result.EndPosition - item.Result.Position) - 1 })
            {
                Assert.False(log.TryRead(item.Result.Position + delta, out _));
            }
        }

        // The padding at the end of the first segment is not a record.
        var lastInFirst = appended.Last(a => a.Result.EndPosition <= TestRecords.SmallSegment);
        Assert.False(log.TryRead(lastInFirst.Result.EndPosition, out _));
    }

    [Fact]
    public void DeleteSegmentsBeforeKeepsTheActiveSegmentAndOldReadsFail()
    {
        var random = new Random(4);
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var appended = TestRecords.AppendMany(log, random, 400);
        var activeBase = log.WritePosition / TestRecords.SmallSegment * TestRecords.SmallSegment;

        Assert.Equal(0, log.DeleteSegmentsBefore(TestRecords.SmallSegment - 1));
        Assert.Equal(1, log.DeleteSegmentsBefore(TestRecords.SmallSegment));
        Assert.Equal(TestRecords.SmallSegment, log.MinPosition);
        Assert.False(File.Exists(TestRecords.SegmentPath(_directory.Path, 0)));

        var deleted = log.DeleteSegmentsBefore(long.MaxValue);
        Assert.True(deleted >= 2);
        Assert.Equal(activeBase, log.MinPosition);
        Assert.True(File.Exists(TestRecords.SegmentPath(_directory.Path, activeBase)));
        Assert.Single(Directory.GetFiles(_directory.Path), f => Path.GetFileName(f).Length == 20);

        var kept = appended.Where(a => a.Result.Position >= activeBase).ToList();
        Assert.NotEmpty(kept);
        foreach (var item in appended.Where(a => a.Result.Position < activeBase))
        {
            Assert.False(log.TryRead(item.Result.Position, out _));
            Assert.False(log.TryReadHeader(item.Result.Position, out _));
        }

        TestRecords.AssertContains(log, kept);

        // Appends go on, and a reopened log starts at the retained segment.
        var more = TestRecords.AppendMany(log, random, 100, firstIndex: 400);
        log.Dispose();
        using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path));
        Assert.Equal(activeBase, reopened.MinPosition);
        TestRecords.AssertContains(reopened, [.. kept, .. more]);
    }

    [Fact]
    public void ReopenAfterCleanDisposeKeepsEverything()
    {
        var random = new Random(5);
        List<Appended> appended;
        long writePosition;
        using (var log = CommitLog.Open(TestRecords.Options(_directory.Path)))
        {
            appended = TestRecords.AppendMany(log, random, 250);
            writePosition = log.WritePosition;
        }

        using (var log = CommitLog.Open(TestRecords.Options(_directory.Path)))
        {
            Assert.Equal(writePosition, log.WritePosition);
            Assert.Equal(writePosition, log.DurablePosition);
            Assert.False(log.Recovery.Truncated);
            Assert.Equal(RecoveryStopReason.EndOfData, log.Recovery.Reason);
            Assert.True(log.Recovery.CheckpointFound);
            Assert.Equal(writePosition, log.Recovery.TruncatedAt);
            // The checkpoint points into the last segment, so only that one was validated.
            Assert.Equal(1, log.Recovery.SegmentsValidated);
            TestRecords.AssertContains(log, appended);

            appended.AddRange(TestRecords.AppendMany(log, random, 50, firstIndex: 250));
        }

        using (var log = CommitLog.Open(TestRecords.Options(_directory.Path)))
        {
            TestRecords.AssertContains(log, appended);
        }
    }

    [Fact]
    public void ANewLogStartsEmpty()
    {
        using var log = CommitLog.Open(TestRecords.Options(Path.Combine(_directory.Path, "nested", "log")));
        Assert.Equal(0, log.MinPosition);
        Assert.Equal(0, log.WritePosition);
        Assert.Equal(0, log.DurablePosition);
        Assert.Equal(RecoveryStopReason.NewLog, log.Recovery.Reason);
        Assert.Empty(log.Scan(0));
        Assert.False(log.TryRead(0, out _));
    }

    [Fact]
    public void BadInputIsRefusedWithBrokerCodesAndTheLogStaysUsable()
    {
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path, maxRecordSize: 2048));
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => log.Append(null!, 0, 0)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => log.Append(new MessageRecord { Topic = null!, MessageId = "m" }, 0, 0)).Code);
        Assert.Equal(BrokerErrorCode.MessageBodyTooLarge,
            Assert.Throws<BrokerException>(() => log.Append(new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[2048] }, 0, 0)).Code);
        Assert.Equal(0, log.WritePosition);

        var ok = TestRecords.Append(log, new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[1900] }, 0, 0);
        TestRecords.AssertContains(log, [ok]);
    }

    [Fact]
    public void RecordsLargerThanASegmentAreRefusedEvenWithAHigherLimit()
    {
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 4096, maxRecordSize: 1 << 20));
        var error = Assert.Throws<BrokerException>(() => log.Append(new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[4096] }, 0, 0));
        Assert.Equal(BrokerErrorCode.MessageBodyTooLarge, error.Code);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentNullException>(() => CommitLog.Open(null!));
        Assert.Throws<ArgumentException>(() => CommitLog.Open(new CommitLogOptions { Directory = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 1024)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommitLog.Open(TestRecords.Options(_directory.Path, maxRecordSize: 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommitLog.Open(new CommitLogOptions { Directory = _directory.Path, FlushInterval = TimeSpan.Zero }));
    }

    [Fact]
    public void ASecondOpenOfTheSameDirectoryIsRefused()
    {
        using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var error = Assert.Throws<BrokerException>(() => CommitLog.Open(TestRecords.Options(_directory.Path)));
        Assert.Equal(BrokerErrorCode.Unavailable, error.Code);
    }

    [Fact]
    public void ADifferentSegmentSizeThanTheLogWasWrittenWithIsRefused()
    {
        using (var log = CommitLog.Open(TestRecords.Options(_directory.Path)))
        {
            TestRecords.AppendMany(log, new Random(6), 200);
        }

        Assert.Equal(BrokerErrorCode.Unavailable,
            Assert.Throws<BrokerException>(() => CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 32 * 1024))).Code);
        Assert.Equal(BrokerErrorCode.Unavailable,
            Assert.Throws<BrokerException>(() => CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 48 * 1024))).Code);

        // Nothing was harmed by the refused attempts.
        using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path));
        Assert.False(reopened.Recovery.Truncated);
        Assert.Equal(200, reopened.Scan(0).Count());
    }

    [Fact]
    public async Task CallsAfterDisposeThrowObjectDisposed()
    {
        var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var appended = TestRecords.AppendMany(log, new Random(7), 10);
        await log.DisposeAsync();
        log.Dispose();
        await log.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => log.Append(appended[0].Record, 0, 0));
        Assert.Throws<ObjectDisposedException>(() => log.TryRead(appended[0].Result.Position, out _));
        Assert.Throws<ObjectDisposedException>(() => log.TryReadHeader(appended[0].Result.Position, out _));
        Assert.Throws<ObjectDisposedException>(() => log.Scan(0));
        Assert.Throws<ObjectDisposedException>(() => log.DeleteSegmentsBefore(long.MaxValue));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.FlushAsync());
        // Disposal flushed everything, so asking whether written data is durable still has an answer.
        Assert.Equal(log.WritePosition, log.DurablePosition);
        Assert.True(log.WaitDurableAsync(log.WritePosition).AsTask().IsCompletedSuccessfully);
    }
}
