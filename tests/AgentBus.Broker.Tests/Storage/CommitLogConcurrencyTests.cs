using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>
/// Readers race with appends, rolls and retention. A read must either return exactly the record that was appended
/// at that position or return false; nothing may crash.
/// </summary>
public sealed class CommitLogConcurrencyTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReadersDuringAppendsSeeCompleteRecords()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var published = new ConcurrentDictionary<long, Appended>();
        var positions = new ConcurrentQueue<long>();
        using var cancellation = new CancellationTokenSource();

        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (var i = 0; i < 2000; i++)
            {
                var index = (w * 100_000) + i;
                var item = TestRecords.Append(log, TestRecords.Create(random, index), index, index);
                published[item.Result.Position] = item;
                positions.Enqueue(item.Result.Position);
            }
        })).ToArray();

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(100 + r);
            var reads = 0;
            while (!cancellation.IsCancellationRequested || reads == 0)
            {
                var known = published.Values.ElementAtOrDefault(random.Next(Math.Max(1, published.Count)));
                if (known is null)
                {
                    continue;
                }

                // Published means appended: it must be readable, completely.
                Assert.True(log.TryRead(known.Result.Position, out var record));
                TestRecords.AssertSame(known, record);
                Assert.True(log.TryReadHeader(known.Result.Position, out var header));
                TestRecords.AssertSameHeader(known, header);
                Assert.False(log.TryRead(known.Result.Position + random.Next(1, 60), out _));
                // The newest bytes, possibly half-written right now, decode only once the record is published.
                long end = log.WritePosition;
                if (log.TryRead(end, out _))
                {
                    Assert.True(end < log.WritePosition, $"record at {end} readable before it was published");
                }
                reads++;
            }

            return reads;
        })).ToArray();

        var scanner = Task.Run(() =>
        {
            var scans = 0;
            while (!cancellation.IsCancellationRequested || scans == 0)
            {
                long previous = -1;
                foreach (var header in log.Scan(0))
                {
                    Assert.True(header.Position > previous);
                    previous = header.Position;
                    if (published.TryGetValue(header.Position, out var known))
                    {
                        TestRecords.AssertSameHeader(known, header);
                    }
                }

                scans++;
            }
        });

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        await cancellation.CancelAsync();
        var readCounts = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        await scanner.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(readCounts, count => Assert.True(count > 0));
        TestRecords.AssertContains(log, published.Values.OrderBy(a => a.Result.Position).ToList());
    }

    [Fact]
    public async Task ReadersDuringDeletionGetTheRecordOrFalse()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path));
        var random = new Random(7);
        var known = new ConcurrentDictionary<long, Appended>(TestRecords.AppendMany(log, random, 1500).ToDictionary(a => a.Result.Position));
        var initial = known.Values.OrderBy(a => a.Result.Position).ToArray();
        long initialEnd = log.WritePosition;
        var segments = (int)(log.WritePosition / TestRecords.SmallSegment);
        using var cancellation = new CancellationTokenSource();
        var reads = new StrongBox<long>();

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var rng = new Random(200 + r);
            long hits = 0, misses = 0;
            while (!cancellation.IsCancellationRequested)
            {
                // Aim near the oldest retained data, where deletion happens.
                var min = log.MinPosition;
                var candidates = initial.Where(a => a.Result.Position >= min - TestRecords.SmallSegment).Take(200).ToArray();
                var item = candidates.Length > 0 ? candidates[rng.Next(candidates.Length)] : initial[^1];
                if (log.TryRead(item.Result.Position, out var record))
                {
                    TestRecords.AssertSame(item, record);
                    hits++;
                }
                else
                {
                    // False only because retention removed its segment.
                    Assert.True(item.Result.Position < log.MinPosition, $"record at {item.Result.Position} unreadable, min {log.MinPosition}");
                    misses++;
                }

                if (log.TryReadHeader(item.Result.Position, out var header))
                {
                    TestRecords.AssertSameHeader(item, header);
                }

                Interlocked.Increment(ref reads.Value);
            }

            return (hits, misses);
        })).ToArray();

        var scanner = Task.Run(() =>
        {
            while (!cancellation.IsCancellationRequested)
            {
                foreach (var header in log.Scan(0))
                {
                    // The writer records a position only after Append returns, so the scan can be a step ahead of it.
                    if (known.TryGetValue(header.Position, out var item))
                    {
                        TestRecords.AssertSameHeader(item, header);
                    }
                    else
                    {
                        Assert.True(header.Position >= initialEnd, $"unknown record at {header.Position} below the writer's start {initialEnd}");
                    }
                }
            }
        });

        var writer = Task.Run(() =>
        {
            var rng = new Random(8);
            for (var i = 0; i < 500; i++)
            {
                var item = TestRecords.Append(log, TestRecords.Create(rng, 10_000 + i), i, i);
                known[item.Result.Position] = item;
            }
        });

        // Each deletion happens while the readers are busy: wait for a batch of reads before and after it.
        var deleted = 0;
        for (var s = 1; s <= segments; s++)
        {
            WaitForReads(reads, 50);
            deleted += log.DeleteSegmentsBefore((long)s * TestRecords.SmallSegment);
        }

        WaitForReads(reads, 200);

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        await cancellation.CancelAsync();
        var results = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        await scanner.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(segments, deleted);
        Assert.True(results.Sum(r => r.misses) > 0, "no read raced with a deletion");
        foreach (var item in initial.Where(a => a.Result.Position < log.MinPosition))
        {
            Assert.False(log.TryRead(item.Result.Position, out _));
        }
    }

    private static void WaitForReads(StrongBox<long> reads, int count)
    {
        var target = Interlocked.Read(ref reads.Value) + count;
        Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref reads.Value) >= target, TimeSpan.FromSeconds(30)), "readers made no progress");
    }
}
