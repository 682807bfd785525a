using System.Globalization;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>
/// The log hands the mapped pages behind its durable position back to the kernel after a flush: the mapping of a
/// flushed segment holds no resident pages then, and every record still reads back byte for byte (the pages fault
/// in again from the page cache), also after a reopen. Further behind, the flushed pages leave the page cache too, and
/// read back from the disk. Read through /proc/self/smaps and mincore(2), so Linux only.
/// </summary>
public sealed class CommitLogResidencyTests : IDisposable
{
    private const int Segment = 1 << 20;

    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task FlushReleasesTheFlushedPagesAndReadsGiveTheSameBytes()
    {
        Assert.True(OperatingSystem.IsLinux(), "residency is read from /proc/self/smaps");
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: 0));
        var appended = AppendSegments(log, segments: 3, seed: 1);
        var first = TestRecords.SegmentPath(_directory.Path, 0);
        Assert.True(MappedKilobytes(first) >= Segment / 1024 / 2, $"the written segment should be mapped in: {MappedKilobytes(first)} kB");

        await log.FlushAsync().WithTimeout();

        Assert.Equal(log.DurablePosition, log.ReleasedPosition);
        Assert.Equal(0, MappedKilobytes(first));
        Assert.Equal(0, MappedKilobytes(TestRecords.SegmentPath(_directory.Path, Segment)));
        TestRecords.AssertContains(log, appended);
        Assert.True(MappedKilobytes(first) > 0, "reading a released record maps its pages in again");
    }

    [Fact]
    public async Task ANegativeResidentTailKeepsThePagesMapped()
    {
        Assert.True(OperatingSystem.IsLinux(), "residency is read from /proc/self/smaps");
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: -1));
        AppendSegments(log, segments: 3, seed: 2);

        await log.FlushAsync().WithTimeout();

        Assert.Equal(0, log.ReleasedPosition);
        Assert.True(MappedKilobytes(TestRecords.SegmentPath(_directory.Path, 0)) >= Segment / 1024 / 2);
    }

    [Fact]
    public async Task TheResidentTailStaysMappedAndSmallFlushesReleaseNothing()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: 4 * Segment, residentTail: 2 * Segment));
        var random = new Random(3);
        TestRecords.AppendMany(log, random, 100);
        await log.FlushAsync().WithTimeout();
        Assert.Equal(0, log.ReleasedPosition); // less than the tail written: nothing to release

        AppendSegments(log, segments: 3, seed: 4, firstIndex: 100);
        await log.FlushAsync().WithTimeout();
        Assert.Equal(log.DurablePosition - (2 * Segment), log.ReleasedPosition);
    }

    [Fact]
    public async Task FlushDropsThePagesBehindTheCachedTailFromThePageCache()
    {
        Assert.True(OperatingSystem.IsLinux(), "page cache residency is read with mincore(2)");
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: 0, cachedTail: Segment));
        var appended = AppendSegments(log, segments: 4, seed: 9);
        var first = TestRecords.SegmentPath(_directory.Path, 0);
        Assert.True(CachedKilobytes(first) >= Segment / 1024 / 2, $"the written segment should be in the page cache: {CachedKilobytes(first)} kB");

        await log.FlushAsync().WithTimeout();

        Assert.Equal(log.DurablePosition - Segment, log.DroppedPosition);
        Assert.Equal(0, CachedKilobytes(first));
        Assert.Equal(0, CachedKilobytes(TestRecords.SegmentPath(_directory.Path, Segment)));
        var last = TestRecords.SegmentPath(_directory.Path, (log.WritePosition - 1) / Segment * Segment);
        Assert.True(CachedKilobytes(last) > 0, "the cached tail stays in the page cache");
        TestRecords.AssertContains(log, appended);
        Assert.True(CachedKilobytes(first) > 0, "reading a dropped record reads its pages back");
    }

    [Fact]
    public async Task ANegativeCachedTailKeepsThePagesCached()
    {
        Assert.True(OperatingSystem.IsLinux(), "page cache residency is read with mincore(2)");
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: 0, cachedTail: -1));
        AppendSegments(log, segments: 3, seed: 10);

        await log.FlushAsync().WithTimeout();

        Assert.Equal(log.DurablePosition, log.ReleasedPosition);
        Assert.Equal(0, log.DroppedPosition);
        Assert.True(CachedKilobytes(TestRecords.SegmentPath(_directory.Path, 0)) >= Segment / 1024 / 2);
    }

    [Fact]
    public async Task RecoveryAfterReleaseFindsEveryRecord()
    {
        List<Appended> appended;
        await using (var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: 0)))
        {
            appended = AppendSegments(log, segments: 3, seed: 5);
            await log.FlushAsync().WithTimeout();
            Assert.Equal(log.DurablePosition, log.ReleasedPosition);
            appended.AddRange(TestRecords.AppendMany(log, new Random(6), 50, firstIndex: appended.Count));
        }

        await using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, residentTail: 0));
        Assert.Equal(appended[^1].Result.EndPosition, reopened.WritePosition);
        TestRecords.AssertContains(reopened, appended);
    }

    [Fact]
    public async Task ReadersRacingGroupCommitsAndReleasesReadTheSameBytes()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, segmentSize: Segment, mode: FlushMode.Sync, residentTail: 0));
        var appended = new List<Appended>();
        var writer = Task.Run(async () =>
        {
            var random = new Random(7);
            for (var i = 0; i < 4000; i++)
            {
                var item = TestRecords.Append(log, TestRecords.Create(random, i, bodySize: 1000), i, i);
                lock (appended)
                {
                    appended.Add(item);
                }

                if (i % 8 == 0)
                {
                    await log.WaitDurableAsync(item.Result.EndPosition);
                }
            }
        });

        var reads = 0;
        var check = new Random(8);
        while (!writer.IsCompleted && reads < 200_000)
        {
            Appended pick;
            lock (appended)
            {
                if (appended.Count == 0)
                {
                    continue;
                }

                pick = appended[check.Next(appended.Count)];
            }

            Assert.True(log.TryRead(pick.Result.Position, out var record));
            TestRecords.AssertSame(pick, record);
            reads++;
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        await log.FlushAsync().WithTimeout();
        Assert.True(log.ReleasedPosition > 2 * Segment, $"released up to {log.ReleasedPosition}");
        TestRecords.AssertContains(log, appended);
    }

    private static List<Appended> AppendSegments(CommitLog log, int segments, int seed, int firstIndex = 0)
    {
        var random = new Random(seed);
        var appended = new List<Appended>();
        var end = log.WritePosition + ((long)segments * Segment);
        for (var i = firstIndex; log.WritePosition < end; i++)
        {
            appended.Add(TestRecords.Append(log, TestRecords.Create(random, i, bodySize: 1000), i, i));
        }

        return appended;
    }

    /// <summary>Resident kilobytes of this process's mapping of <paramref name="path"/> (0 when none is mapped in).</summary>
    private static long MappedKilobytes(string path)
    {
        long total = 0;
        var inMapping = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (IsMappingHeader(line))
            {
                inMapping = line.EndsWith(" " + path, StringComparison.Ordinal);
            }
            else if (inMapping && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Kilobytes of <paramref name="path"/> in the page cache, by mincore(2) on a mapping of it that touches nothing.</summary>
    private static long CachedKilobytes(string path)
    {
        using var file = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0,
            System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        using var view = file.CreateViewAccessor(0, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        long length = new FileInfo(path).Length;
        int pageSize = Environment.SystemPageSize;
        var pages = new byte[(length + pageSize - 1) / pageSize];
        Assert.Equal(0, Mincore(view.SafeMemoryMappedViewHandle.DangerousGetHandle(), (nuint)length, pages));
        return pages.LongCount(p => (p & 1) != 0) * pageSize / 1024;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mincore")]
    private static extern int Mincore(nint address, nuint length, byte[] residency);

    private static bool IsMappingHeader(string line)
    {
        var dash = line.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && line.AsSpan(0, dash).IndexOfAnyExcept(Hex) < 0 && line.Contains(' ', StringComparison.Ordinal);
    }
}
