namespace AgentBus.Broker.Storage;

/// <summary>
/// Residency: the mapped pages of the log behind the durable position, but for a recent tail readers still want, are
/// handed back (unmapped from the process; they stay in the page cache as clean pages the kernel may reclaim). The
/// broker's resident set then holds its indexes and the hot end of the log, not every byte it ever wrote. Further
/// behind (<see cref="CommitLogOptions.CachedTail"/>) the pages also leave the page cache.
/// </summary>
internal sealed partial class CommitLog
{
    /// <summary>Smallest span released at once, so a flush of a few KiB does not cost a system call.</summary>
    private const int ReleaseStep = 1 << 20;

    private readonly long _residentTail;
    private long _releasedTo; // flusher thread only: below it, the flushed pages were released
    private readonly long _cachedTail;
    private long _droppedTo; // flusher thread only: below it, the flushed pages were dropped from the page cache

    /// <summary>Bytes of the log released so far (the mapping's pages below this position are not mapped in now, unless read since).</summary>
    internal long ReleasedPosition => Volatile.Read(ref _releasedTo);

    /// <summary>Bytes of the log dropped from the page cache so far (a read below this position may go to the disk).</summary>
    internal long DroppedPosition => Volatile.Read(ref _droppedTo);

    /// <summary>
    /// Releases the mapped pages of [released, <paramref name="durable"/> − resident tail): madvise(MADV_DONTNEED) on the
    /// shared mapping of each segment it covers, whole pages only. Those bytes are fsynced, so the pages are clean; a
    /// later read faults them back in from the page cache (or the disk), the same bytes. Runs on the flusher thread.
    /// </summary>
    private void ReleaseFlushedPages(long durable)
    {
        if (_residentTail < 0)
        {
            return;
        }

        Advance(ref _releasedTo, durable - _residentTail, dropCached: false);
        if (_cachedTail >= 0)
        {
            // Behind the released pages (the kernel drops only pages no process maps).
            Advance(ref _droppedTo, durable - _cachedTail, dropCached: true);
        }
    }

    /// <summary>
    /// Releases (or drops from the page cache) [<paramref name="done"/>, <paramref name="goal"/>) in each segment it
    /// covers, once the span is at least <see cref="ReleaseStep"/>, and moves <paramref name="done"/> to the goal.
    /// </summary>
    private void Advance(ref long done, long goal, bool dropCached)
    {
        var from = Math.Max(done, MinPosition);
        if (goal - from < ReleaseStep)
        {
            return;
        }

        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.EndPosition <= from || segment.BasePosition >= goal || !segment.TryAcquire())
            {
                continue;
            }

            try
            {
                int start = (int)(Math.Max(from, segment.BasePosition) - segment.BasePosition);
                int end = (int)(Math.Min(goal, segment.EndPosition) - segment.BasePosition);
                if (dropCached)
                {
                    segment.DropCachedPages(start, end);
                }
                else
                {
                    segment.ReleasePages(start, end);
                }
            }
            finally
            {
                segment.Release();
            }
        }

        Volatile.Write(ref done, goal);
    }
}
