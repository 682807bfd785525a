using System.Globalization;
using AgentBus.Broker.Storage;
using CsCheck;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>
/// Crash tests: write records, close, damage the files the way a crash or a careless operator would, reopen. The
/// oracle compares the last segment before and after the damage: the records before the first changed record must
/// survive intact, everything after must be gone, and appends must continue at the new end.
/// </summary>
public sealed class CommitLogRecoveryTests
{
    private const int Segment = TestRecords.SmallSegment;
    private const int Iterations = 40;

    private static readonly Gen<(int Seed, int Count)> Scenario = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[40, 260]);

    [Fact]
    public void TruncatingTheLastSegmentKeepsExactlyTheRecordsBeforeTheCut() =>
        Check.Sample(Scenario, (seed, count) => RunScenario(seed, count, (random, path, writeOffset, _) =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            file.SetLength(random.Next(0, writeOffset + 1));
        }), iter: Iterations, threads: 1);

    [Fact]
    public void FlippedBytesInTheTailDropTheDamagedRecordAndEverythingAfter() =>
        Check.Sample(Scenario, (seed, count) => RunScenario(seed, count, (random, path, writeOffset, _) =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                var at = random.Next(0, writeOffset);
                file.Position = at;
                var value = (byte)file.ReadByte();
                file.Position = at;
                file.WriteByte((byte)(value ^ random.Next(1, 256)));
            }
        }), iter: Iterations, threads: 1);

    [Fact]
    public void GarbageAfterTheLastRecordIsDroppedAndNothingElse() =>
        Check.Sample(Scenario, (seed, count) => RunScenario(seed, count, (random, path, writeOffset, lastSegmentRecords) =>
        {
            var room = Segment - writeOffset;
            if (room == 0)
            {
                return;
            }

            var garbage = new byte[random.Next(1, Math.Min(room, 3000) + 1)];
            random.NextBytes(garbage);
            if (random.Next(2) == 0)
            {
                // Start like a real record (plausible length, CRC and version byte) so the checksum path is taken.
                var source = File.ReadAllBytes(path).AsSpan((int)(lastSegmentRecords[0].Result.Position % Segment), 16);
                source[..Math.Min(16, garbage.Length)].CopyTo(garbage);
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            file.Position = writeOffset;
            file.Write(garbage);
        }), iter: Iterations, threads: 1);

    [Fact]
    public void ATornLastRecordIsDropped() =>
        Check.Sample(Scenario, (seed, count) => RunScenario(seed, count, (random, path, _, lastSegmentRecords) =>
        {
            // A crash in the middle of copying the last record: its first bytes made it, the rest did not.
            var last = lastSegmentRecords[^1].Result;
            var start = (int)(last.Position % Segment);
            var size = (int)(last.EndPosition - last.Position);
            var tornAt = random.Next(0, size);
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            file.Position = start + tornAt;
            file.Write(new byte[size - tornAt]);
        }), iter: Iterations, threads: 1);

    [Theory]
    [InlineData("crc", RecoveryStopReason.ChecksumMismatch)]
    [InlineData("magic", RecoveryStopReason.BadMagic)]
    [InlineData("length", RecoveryStopReason.InvalidLength)]
    [InlineData("zero-length", RecoveryStopReason.EndOfData)]
    public void RecoveryReportsWhatItFoundAndLogsThePosition(string damage, RecoveryStopReason reason)
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(11), 20);
        }

        var victim = appended[15].Result;
        var path = TestRecords.SegmentPath(directory.Path, 0);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            var (offset, bytes) = damage switch
            {
                "crc" => (victim.EndPosition - 1, new byte[] { 0x5A }),
                "magic" => (victim.Position + 8, [0x00]),
                "length" => (victim.Position, [3, 0, 0, 0]),
                _ => (victim.Position, new byte[] { 0, 0, 0, 0 }),
            };
            file.Position = offset;
            var original = file.ReadByte();
            if (damage == "crc" && original == bytes[0])
            {
                bytes[0] ^= 0xFF;
            }

            file.Position = offset;
            file.Write(bytes);
        }

        var logger = new ListLogger();
        using (var log = CommitLog.Open(options, logger))
        {
            Assert.Equal(reason, log.Recovery.Reason);
            Assert.Equal(victim.Position, log.Recovery.TruncatedAt);
            Assert.Equal(victim.Position, log.WritePosition);
            Assert.True(log.Recovery.Truncated);
            Assert.Equal(15, log.Recovery.RecordsValidated);
            TestRecords.AssertContains(log, appended[..15]);
            var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning && e.Event.Id == 1002);
            Assert.Contains(victim.Position.ToString(CultureInfo.InvariantCulture), warning.Message, StringComparison.Ordinal);
            Assert.Contains(log.Recovery.BytesDropped.ToString(CultureInfo.InvariantCulture), warning.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WithoutACheckpointEverySegmentIsValidatedAndLaterSegmentsAreDeletedAfterDamage()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(12), 400);
        }

        var segments = (int)(appended[^1].Result.Position / Segment) + 1;
        Assert.True(segments >= 4);
        File.Delete(Path.Combine(directory.Path, CheckpointFile.FileName));
        using (var log = CommitLog.Open(options))
        {
            Assert.False(log.Recovery.CheckpointFound);
            Assert.Equal(0, log.Recovery.ValidatedFrom);
            Assert.Equal(segments, log.Recovery.SegmentsValidated);
            Assert.Equal(appended.Count, log.Recovery.RecordsValidated);
            Assert.False(log.Recovery.Truncated);
        }

        // Damage a record in the second segment; with no checkpoint, recovery finds it and cuts the log there.
        File.Delete(Path.Combine(directory.Path, CheckpointFile.FileName));
        var victimIndex = appended.FindIndex(a => a.Result.Position >= Segment) + 3;
        var victim = appended[victimIndex].Result;
        FlipByte(TestRecords.SegmentPath(directory.Path, Segment), (int)(victim.Position - Segment) + 30);
        using (var log = CommitLog.Open(options))
        {
            Assert.Equal(victim.Position, log.WritePosition);
            Assert.Equal(RecoveryStopReason.ChecksumMismatch, log.Recovery.Reason);
            Assert.Equal(segments - 2, log.Recovery.SegmentsDropped);
            TestRecords.AssertContains(log, appended[..victimIndex]);
            for (var i = 2; i < segments; i++)
            {
                Assert.False(File.Exists(TestRecords.SegmentPath(directory.Path, (long)i * Segment)));
            }
        }
    }

    [Fact]
    public void AStraySegmentAfterTheLastIsDeleted()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        long next;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(13), 100);
            next = (log.WritePosition / Segment + 1) * Segment;
        }

        var garbage = new byte[5000];
        new Random(13).NextBytes(garbage);
        File.WriteAllBytes(TestRecords.SegmentPath(directory.Path, next), garbage);
        using (var log = CommitLog.Open(options))
        {
            Assert.Equal(1, log.Recovery.SegmentsDropped);
            Assert.Equal(garbage.AsSpan().LastIndexOfAnyExcept((byte)0) + 1, log.Recovery.BytesDropped);
            Assert.Equal(appended[^1].Result.EndPosition, log.WritePosition);
            Assert.False(File.Exists(TestRecords.SegmentPath(directory.Path, next)));
            TestRecords.AssertContains(log, appended);
            appended.AddRange(TestRecords.AppendMany(log, new Random(14), 200, firstIndex: 100));
            TestRecords.AssertContains(log, appended);
        }
    }

    [Fact]
    public void AMissingMiddleSegmentCutsTheLogAtTheGap()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(15), 400);
        }

        var segments = (int)(appended[^1].Result.Position / Segment) + 1;
        File.Delete(TestRecords.SegmentPath(directory.Path, 2L * Segment));
        using var reopened = CommitLog.Open(options);
        var survivors = appended.Where(a => a.Result.Position < 2L * Segment).ToList();
        Assert.Equal(survivors[^1].Result.EndPosition, reopened.WritePosition);
        Assert.Equal(RecoveryStopReason.EndOfSegment, reopened.Recovery.Reason);
        Assert.Equal(segments - 3, reopened.Recovery.SegmentsDropped);
        TestRecords.AssertContains(reopened, survivors);
        var more = TestRecords.AppendMany(reopened, new Random(16), 100, firstIndex: 400);
        TestRecords.AssertContains(reopened, [.. survivors, .. more]);
    }

    [Fact]
    public void ALostNewSegmentFileRollsBackToThePreviousSegment()
    {
        // A crash right after a roll whose new segment file never reached the disk: the previous segment ends with
        // padding, and the checkpoint points past the last file.
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(17), 300);
        }

        var lastBase = appended[^1].Result.Position / Segment * Segment;
        File.Delete(TestRecords.SegmentPath(directory.Path, lastBase));
        using (var log = CommitLog.Open(options))
        {
            var survivors = appended.Where(a => a.Result.Position < lastBase).ToList();
            Assert.Equal(survivors[^1].Result.EndPosition, log.WritePosition);
            Assert.Equal(RecoveryStopReason.EndOfSegment, log.Recovery.Reason);
            Assert.Equal(RecordLayout.PaddingHeaderSize, log.Recovery.BytesDropped);
            TestRecords.AssertContains(log, survivors);
            var more = TestRecords.AppendMany(log, new Random(18), 150, firstIndex: 300);
            TestRecords.AssertContains(log, [.. survivors, .. more]);
        }
    }

    [Fact]
    public void AnEmptyLastSegmentFileIsAccepted()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        long next;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, new Random(19), 100);
            next = (log.WritePosition / Segment + 1) * Segment;
        }

        File.WriteAllBytes(TestRecords.SegmentPath(directory.Path, next), []);
        using var reopened = CommitLog.Open(options);
        // The earlier segment has no padding (it was the active one), so the log ends in it and the empty file goes.
        Assert.Equal(appended[^1].Result.EndPosition, reopened.WritePosition);
        Assert.Equal(1, reopened.Recovery.SegmentsDropped);
        Assert.Equal(0, reopened.Recovery.BytesDropped);
        TestRecords.AssertContains(reopened, appended);
    }

    [Fact]
    public void ASegmentFileLongerThanTheSegmentSizeIsRefused()
    {
        using var directory = new TempDirectory();
        var options = TestRecords.Options(directory.Path);
        using (var log = CommitLog.Open(options))
        {
            TestRecords.AppendMany(log, new Random(20), 10);
        }

        using (var file = new FileStream(TestRecords.SegmentPath(directory.Path, 0), FileMode.Open, FileAccess.Write))
        {
            file.SetLength(Segment + 100);
        }

        Assert.Throws<Errors.BrokerException>(() => CommitLog.Open(options));
    }

    /// <summary>
    /// Copies the segment files while another thread appends, as a crash would leave them, and opens the copy: the
    /// survivors must be a gap-free prefix of what was appended, each intact.
    /// </summary>
    [Fact]
    public async Task ASnapshotTakenDuringAppendsRecoversToAPrefix()
    {
        using var directory = new TempDirectory();
        using var copy = new TempDirectory();
        var appended = new List<Appended>();
        using (var log = CommitLog.Open(TestRecords.Options(directory.Path)))
        {
            using var started = new SemaphoreSlim(0);
            var writer = Task.Run(() =>
            {
                var random = new Random(21);
                for (var i = 0; i < 1500; i++)
                {
                    var item = TestRecords.Append(log, TestRecords.Create(random, i), i, i);
                    lock (appended)
                    {
                        appended.Add(item);
                    }

                    if (i == 200)
                    {
                        started.Release();
                    }
                }
            });

            Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)));
            int before;
            lock (appended)
            {
                before = appended.Count;
            }

            foreach (var file in Directory.GetFiles(directory.Path).Order(StringComparer.Ordinal))
            {
                // The checkpoint is locked while the log is open; a prepared segment is not part of the log yet.
                if (Path.GetFileName(file) != CheckpointFile.FileName && !file.EndsWith(".prepared", StringComparison.Ordinal))
                {
                    File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
                }
            }

            await writer.WaitAsync(TimeSpan.FromSeconds(60));
            using var recovered = CommitLog.Open(TestRecords.Options(copy.Path));
            var headers = recovered.Scan(0).ToList();
            Assert.True(headers.Count >= before, $"{headers.Count} survivors, {before} were appended before the copy");
            for (var i = 0; i < headers.Count; i++)
            {
                TestRecords.AssertSameHeader(appended[i], headers[i]);
                Assert.True(recovered.TryRead(headers[i].Position, out var record));
                TestRecords.AssertSame(appended[i], record);
            }
        }
    }

    private static void FlipByte(string path, int offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x40));
    }

    /// <param name="seed">Seeds the records and the damage.</param>
    /// <param name="count">Records written before the damage.</param>
    /// <param name="damage">Damages the last segment file: (random, path, write offset in it, records in it).</param>
    private static void RunScenario(int seed, int count, Action<Random, string, int, List<Appended>> damage)
    {
        using var directory = new TempDirectory();
        var random = new Random(seed);
        var options = TestRecords.Options(directory.Path);
        List<Appended> appended;
        long writePosition;
        using (var log = CommitLog.Open(options))
        {
            appended = TestRecords.AppendMany(log, random, count);
            writePosition = log.WritePosition;
        }

        var lastBase = appended[^1].Result.Position / Segment * Segment;
        var path = TestRecords.SegmentPath(directory.Path, lastBase);
        var lastSegmentRecords = appended.Where(a => a.Result.Position >= lastBase).ToList();
        var before = File.ReadAllBytes(path);
        damage(random, path, (int)(writePosition - lastBase), lastSegmentRecords);

        // What recovery sees: the damaged file, with anything cut off reading as zeros.
        var after = new byte[Segment];
        var damaged = File.ReadAllBytes(path);
        damaged.AsSpan(0, Math.Min(damaged.Length, Segment)).CopyTo(after);
        var firstLost = lastSegmentRecords.FindIndex(a =>
        {
            var offset = (int)(a.Result.Position - lastBase);
            var size = (int)(a.Result.EndPosition - a.Result.Position);
            return !before.AsSpan(offset, size).SequenceEqual(after.AsSpan(offset, size));
        });
        var survivors = firstLost < 0 ? appended : appended[..(appended.Count - lastSegmentRecords.Count + firstLost)];
        var expectedEnd = firstLost < 0 ? writePosition : lastSegmentRecords[firstLost].Result.Position;
        var tailStart = (int)(expectedEnd - lastBase);
        var expectedDropped = after.AsSpan(tailStart).LastIndexOfAnyExcept((byte)0) + 1;

        var logger = new ListLogger();
        List<Appended> more;
        using (var log = CommitLog.Open(options, logger))
        {
            Assert.Equal(expectedEnd, log.WritePosition);
            Assert.Equal(expectedEnd, log.DurablePosition);
            Assert.Equal(expectedEnd, log.Recovery.TruncatedAt);
            Assert.Equal(expectedDropped, log.Recovery.BytesDropped);
            Assert.Equal(0, log.Recovery.SegmentsDropped);
            Assert.Equal(expectedDropped > 0, logger.Entries.Any(e => e.Level == LogLevel.Warning && e.Event.Id == 1002));
            TestRecords.AssertContains(log, survivors);
            foreach (var lost in appended[survivors.Count..])
            {
                Assert.False(log.TryRead(lost.Result.Position, out _));
            }

            // The damaged tail is zeroed, so nothing of it can come back.
            Assert.True(File.ReadAllBytes(path).AsSpan(tailStart).IndexOfAnyExcept((byte)0) < 0);

            more = TestRecords.AppendMany(log, random, 30, firstIndex: count);
            var first = more[0].Result.Position;
            Assert.True(first == expectedEnd || (first % Segment == 0 && first > expectedEnd), $"first new record at {first}, log ended at {expectedEnd}");
            TestRecords.AssertContains(log, [.. survivors, .. more]);
        }

        using (var log = CommitLog.Open(options))
        {
            Assert.False(log.Recovery.Truncated);
            TestRecords.AssertContains(log, [.. survivors, .. more]);
        }
    }
}
