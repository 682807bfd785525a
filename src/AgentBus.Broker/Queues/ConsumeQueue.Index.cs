using System.Buffers;
using System.Diagnostics;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Queues;

// The position index: appends, reads of positions, recovery and the index checkpoint, retention.
internal sealed partial class ConsumeQueue
{
    public long MinOffset { get { lock (this) { return _index.MinOffset; } } }

    public long MaxOffset { get { lock (this) { return _index.MaxOffset; } } }

    /// <summary>The next offset, for the queue's own <see cref="Consumption.GroupCursor"/>, which runs under the queue's lock.</summary>
    internal long MaxOffsetLocked
    {
        get
        {
            Debug.Assert(Monitor.IsEntered(this));
            return _index.MaxOffset;
        }
    }

    /// <summary>
    /// Appends <paramref name="message"/> to <paramref name="log"/> at the queue's next offset and indexes it, in one
    /// critical section so the offset written to the log is the one indexed. The caller holds the engine's append lock,
    /// which orders offset assignment with log order.
    /// </summary>
    public AppendResult Append(CommitLog log, MessageRecord message, long now, out long offset)
    {
        lock (this)
        {
            offset = _index.MaxOffset;
            var appended = log.Append(message, QueueId, offset, now);
            _index.Append(appended.Position);
            LastWriteTimestamp = now;
            return appended;
        }
    }

    /// <summary>Log position of the message at <paramref name="offset"/>; false when it is not (or no longer) stored.</summary>
    public bool TryGetPosition(long offset, out long position)
    {
        lock (this)
        {
            return _index.TryGet(offset, out position);
        }
    }

    /// <summary>Whether the queue still holds <paramref name="offset"/>: what a peek of the queue would show.</summary>
    public bool Holds(long offset)
    {
        lock (this)
        {
            return offset >= _index.MinOffset && offset < _index.MaxOffset;
        }
    }

    /// <summary>
    /// Adds the positions of up to <paramref name="maxCount"/> stored messages from <paramref name="fromOffset"/> on
    /// (or from the first stored one) to <paramref name="positions"/>; returns the offset of the first, with the
    /// stored range read in the same critical section.
    /// </summary>
    public long ReadPositions(long fromOffset, int maxCount, List<long> positions, out long min, out long max)
    {
        lock (this)
        {
            min = _index.MinOffset;
            max = _index.MaxOffset;
            long start = Math.Max(fromOffset, min);
            long end = start >= max ? start : Math.Min(max, start + maxCount);   // no overflow for a far offset
            for (long offset = start; offset < end && _index.TryGet(offset, out long position); offset++)
            {
                positions.Add(position);
            }

            return start;
        }
    }

    // ---- recovery and the index checkpoint ----

    /// <summary>
    /// Indexes a record found while scanning the log at start: false when <paramref name="queueOffset"/> is behind
    /// what the index already holds (the record is a duplicate of an indexed one).
    /// </summary>
    public bool RecoverAppend(long queueOffset, long position, long storeTimestamp)
    {
        // Single-threaded during recovery; the lock keeps the invariant checks honest anyway.
        lock (this)
        {
            if (_index.MaxOffset != queueOffset)
            {
                if (_index.MaxOffset != _index.MinOffset && queueOffset < _index.MaxOffset)
                {
                    return false;
                }

                // Older records were deleted by retention, or the lite topic was re-created: start the index here.
                _index.ResetTo(queueOffset);
            }

            _index.Append(position);
            LastWriteTimestamp = storeTimestamp;
            return true;
        }
    }

    /// <summary>
    /// Replaces the index with a checkpoint's: <paramref name="positions"/> from <paramref name="minOffset"/> on; an
    /// entry below <paramref name="logStart"/> (deleted by retention after the checkpoint) moves the start past it.
    /// </summary>
    public void RestoreIndex(long minOffset, ReadOnlySpan<long> positions, long logStart, long lastWrite)
    {
        lock (this)
        {
            _index.ResetTo(minOffset);
            long offset = minOffset;
            foreach (long position in positions)
            {
                if (position < logStart)
                {
                    _index.ResetTo(offset + 1);
                }
                else
                {
                    _index.Append(position);
                }

                offset++;
            }

            LastWriteTimestamp = lastWrite;
        }
    }

    /// <summary>
    /// Copies the positions below <paramref name="durablePosition"/> into <paramref name="buffer"/> (swapped for a
    /// larger pooled one when needed) for the index checkpoint; returns how many, with the first offset and the last write.
    /// </summary>
    public int CopyDurablePositions(long durablePosition, ref long[] buffer, out long minOffset, out long lastWrite)
    {
        lock (this)
        {
            int count = _index.CountBelowPosition(durablePosition);
            if (count > buffer.Length)
            {
                ArrayPool<long>.Shared.Return(buffer);
                buffer = ArrayPool<long>.Shared.Rent(count);
            }

            _index.CopyTo(buffer, count);
            minOffset = _index.MinOffset;
            lastWrite = LastWriteTimestamp;
            return count;
        }
    }

    // ---- retention ----

    /// <summary>
    /// The lowest log position the queue still needs (its lowest committed offset over all groups, or its first message
    /// when no group consumes it); false when it needs none.
    /// </summary>
    public bool TryGetLowestNeededPosition(out long position)
    {
        lock (this)
        {
            long low = _index.MinOffset;
            bool any = false;
            foreach (var cursor in Cursors)
            {
                low = any ? Math.Min(low, cursor.CommittedOffset) : cursor.CommittedOffset;
                any = true;
            }

            position = -1;
            return low < _index.MaxOffset && _index.TryGet(Math.Max(low, _index.MinOffset), out position);
        }
    }

    /// <summary>
    /// Drops index entries below log position <paramref name="minPosition"/> (their segments were deleted) and moves
    /// every cursor past them; returns how many messages went that some group had not acknowledged.
    /// </summary>
    public long TrimBelowPosition(long minPosition)
    {
        lock (this)
        {
            if (_index.MinOffset == _index.MaxOffset || !_index.TryGet(_index.MinOffset, out long first) || first >= minPosition)
            {
                return 0;
            }

            long newMin = _index.FirstOffsetAtOrAfterPosition(minPosition);
            _index.TrimBefore(newMin);
            long dropped = 0;
            foreach (var cursor in Cursors)
            {
                dropped += Math.Max(0, newMin - cursor.CommittedOffset);
                cursor.SkipBelowLocked(newMin);
            }

            return dropped;
        }
    }
}
