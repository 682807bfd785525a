namespace AgentBus.Broker.Storage;

/// <summary>Durability: waiting for fsync, explicit flushes, and the flush of a position range.</summary>
internal sealed partial class CommitLog
{
    /// <summary>
    /// Completes when everything below <paramref name="endPosition"/> is fsynced. In <see cref="FlushMode.Sync"/> one
    /// fsync serves every waiter registered before it started (group commit). In <see cref="FlushMode.Async"/> it
    /// completes at once; the data is fsynced within <see cref="CommitLogOptions.FlushInterval"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">In Sync mode, <paramref name="endPosition"/> is past <see cref="WritePosition"/>.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed before the position became durable.</exception>
    public ValueTask WaitDurableAsync(long endPosition, CancellationToken cancellationToken = default)
    {
        // Already durable is a fact even after disposal; an appender racing with shutdown still gets its answer.
        if (endPosition <= _flusher.DurablePosition)
        {
            return ValueTask.CompletedTask;
        }

        ThrowIfUnusable();
        if (_flushMode == FlushMode.Async)
        {
            return ValueTask.CompletedTask;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(endPosition, WritePosition);
        return _flusher.WaitAsync(endPosition, urgent: true, cancellationToken);
    }

    /// <summary>fsyncs everything written so far (in either mode) and completes when it is durable.</summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        return _flusher.WaitAsync(WritePosition, urgent: true, cancellationToken);
    }

    /// <summary>Told the bytes and the time of each fsync round, on the flusher thread (see <see cref="GroupCommitFlusher.Flushed"/>).</summary>
    internal Action<long, TimeSpan>? Flushed
    {
        get => _flusher.Flushed;
        set => _flusher.Flushed = value;
    }

    /// <summary>Completes at the next periodic flush that covers <paramref name="endPosition"/>, without asking for an earlier one.</summary>
    internal ValueTask WaitPeriodicFlushAsync(long endPosition, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        return _flusher.WaitAsync(endPosition, urgent: false, cancellationToken);
    }

    /// <summary>fsyncs the segments holding [from, to) and records the checkpoint; runs on the flusher thread.</summary>
    private void FlushRange(long from, long to)
    {
        // A new segment's directory entry must be durable before its data can be called durable.
        if (Interlocked.Exchange(ref _directoryDirty, 0) != 0)
        {
            NativeFileSystem.SyncDirectory(_directory);
        }

        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.EndPosition <= from || segment.BasePosition >= to || !segment.TryAcquire())
            {
                continue;
            }

            try
            {
                segment.Flush((int)(Math.Max(from, segment.BasePosition) - segment.BasePosition),
                    (int)(Math.Min(to, segment.EndPosition) - segment.BasePosition));
            }
            finally
            {
                segment.Release();
            }
        }

        _checkpoint.Write(to);
        ReleaseFlushedPages(to);
    }
}
