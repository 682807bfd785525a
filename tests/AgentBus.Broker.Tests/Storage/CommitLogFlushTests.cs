using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Tests.Storage;

public sealed class CommitLogFlushTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SyncModeGroupCommitServesSixtyFourConcurrentAppenders()
    {
        const int Appenders = 64;
        const int PerAppender = 25;
        // A periodic flush that never comes: durability can only come from the waiters' group commits.
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, mode: FlushMode.Sync, flushInterval: TimeSpan.FromHours(1)));
        using var go = new SemaphoreSlim(0);
        var appenders = Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            await go.WaitAsync();
            var random = new Random(a);
            var results = new List<Appended>();
            for (var i = 0; i < PerAppender; i++)
            {
                var index = (a * PerAppender) + i;
                var item = TestRecords.Append(log, TestRecords.Create(random, index), index, index);
                await log.WaitDurableAsync(item.Result.EndPosition);
                Assert.True(log.DurablePosition >= item.Result.EndPosition);
                results.Add(item);
            }

            return results;
        })).ToArray();

        go.Release(Appenders);
        var all = (await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromSeconds(60))).SelectMany(r => r).ToList();

        Assert.Equal(Appenders * PerAppender, all.Count);
        Assert.True(log.DurablePosition >= all.Max(a => a.Result.EndPosition));
        // Group commit: far fewer fsync rounds than durable appends.
        Assert.True(log.FlushCount < all.Count / 2, $"{log.FlushCount} flushes for {all.Count} appends");
        TestRecords.AssertContains(log, all.OrderBy(a => a.Result.Position).ToList());
    }

    [Fact]
    public async Task SyncModeWaitIsPendingUntilAFlushCoversIt()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, mode: FlushMode.Sync, flushInterval: TimeSpan.FromHours(1)));
        var item = TestRecords.Append(log, TestRecords.Create(new Random(1), 1), 0, 0);
        Assert.True(log.DurablePosition < item.Result.EndPosition);
        await log.WaitDurableAsync(item.Result.EndPosition).WithTimeout();
        Assert.Equal(item.Result.EndPosition, log.DurablePosition);
        Assert.True(log.WaitDurableAsync(item.Result.EndPosition).AsTask().IsCompletedSuccessfully);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.WaitDurableAsync(log.WritePosition + 1));

        TestRecords.Append(log, TestRecords.Create(new Random(2), 2), 1, 0);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await log.WaitDurableAsync(log.WritePosition, cancelled.Token));
    }

    [Fact]
    public async Task AsyncModeAcknowledgesAtOnceAndFlushAsyncMakesEverythingDurable()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, flushInterval: TimeSpan.FromHours(1)));
        var appended = TestRecords.AppendMany(log, new Random(3), 200);
        var end = appended[^1].Result.EndPosition;
        Assert.True(log.WaitDurableAsync(end).AsTask().IsCompletedSuccessfully);
        Assert.True(log.DurablePosition < end, "nothing should have been flushed yet");

        await log.FlushAsync().WithTimeout();
        Assert.Equal(end, log.DurablePosition);
        await log.FlushAsync().WithTimeout();
        Assert.Equal(1, log.FlushCount);
    }

    [Fact]
    public async Task AsyncModeFlushesPeriodically()
    {
        await using var log = CommitLog.Open(TestRecords.Options(_directory.Path, flushInterval: TimeSpan.FromMilliseconds(20)));
        var appended = TestRecords.AppendMany(log, new Random(4), 100);
        // Waits for the timer-driven flush without asking for one.
        await log.WaitPeriodicFlushAsync(appended[^1].Result.EndPosition).WithTimeout();
        Assert.True(log.DurablePosition >= appended[^1].Result.EndPosition);
    }

    [Fact]
    public async Task DisposeCompletesPendingWaitersWithTheirDataDurable()
    {
        var log = CommitLog.Open(TestRecords.Options(_directory.Path, mode: FlushMode.Sync, flushInterval: TimeSpan.FromHours(1)));
        var random = new Random(5);
        var waits = new List<Task>();
        for (var i = 0; i < 300; i++)
        {
            var item = TestRecords.Append(log, TestRecords.Create(random, i), i, i);
            waits.Add(log.WaitDurableAsync(item.Result.EndPosition).AsTask());
        }

        var end = log.WritePosition;
        log.Dispose();
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(end, log.DurablePosition);

        using var reopened = CommitLog.Open(TestRecords.Options(_directory.Path));
        Assert.Equal(end, reopened.WritePosition);
        Assert.False(reopened.Recovery.Truncated);
    }
}
