using AgentBus.Broker.Consumption;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Queues;

// The groups' cursors: finding, creating and positioning them; what the offset checkpoint and recovery read and restore.
internal sealed partial class ConsumeQueue
{
    /// <summary>Consumption cursors, readable without the lock (their positions are read through the queue).</summary>
    public IEnumerable<GroupCursor> Cursors
    {
        get
        {
            if (Volatile.Read(ref _firstCursor) is { } first)
            {
                yield return first;
            }

            if (Volatile.Read(ref _moreCursors) is { } more)
            {
                foreach (var cursor in more)
                {
                    yield return cursor;
                }
            }
        }
    }

    /// <summary>The cursor of <paramref name="group"/> on this queue, or null. Lock-free: cursors are only ever added.</summary>
    public GroupCursor? FindCursor(string group)
    {
        var first = Volatile.Read(ref _firstCursor);
        if (first is null || string.Equals(first.Group, group, StringComparison.Ordinal))
        {
            return first;
        }

        if (Volatile.Read(ref _moreCursors) is { } more)
        {
            foreach (var cursor in more)
            {
                if (string.Equals(cursor.Group, group, StringComparison.Ordinal))
                {
                    return cursor;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Gives <paramref name="group"/> a position on the queue for a subscription: a group new to it starts at
    /// <paramref name="start"/>; one that has a position moves there only when <paramref name="move"/> (an explicit
    /// offset option), and not when <paramref name="unlessOtherMemberThan"/> is given and another subscriber of its
    /// group holds the queue. False when the position was kept for that reason.
    /// </summary>
    public bool PlaceCursor(string group, long start, bool move, LiteSession? unlessOtherMemberThan)
    {
        lock (this)
        {
            var cursor = GetOrAddCursorLocked(group, start, out bool created);
            if (created || !move)
            {
                return true;
            }

            if (unlessOtherMemberThan is not null && HasOtherMemberThan(unlessOtherMemberThan))
            {
                return false;
            }

            cursor.ResetLocked(start);
            return true;
        }
    }

    /// <summary>
    /// Restarts <paramref name="group"/>'s consumption at the offset <paramref name="target"/> picks from the stored
    /// range (min, max), forgetting what was in flight; the range is read and the cursor moved in one critical section.
    /// <paramref name="target"/> runs under the queue's lock: it must only compute (it may throw, which changes nothing).
    /// Returns the target, with the previous committed offset (null for a group new to the queue) and the range.
    /// </summary>
    public long ResetCursor<TState>(string group, TState state, Func<TState, long, long, long> target, out long? previous, out long min, out long max)
    {
        lock (this)
        {
            min = _index.MinOffset;
            max = _index.MaxOffset;
            long offset = target(state, min, max);
            var cursor = GetOrAddCursorLocked(group, offset, out bool created);
            previous = created ? null : cursor.CommittedOffset;
            cursor.ResetLocked(offset);
            return offset;
        }
    }

    /// <summary>
    /// Moves <paramref name="group"/>'s position forward to <paramref name="offset"/> (never back), creating it there
    /// when missing; what is in flight is forgotten when it moves.
    /// </summary>
    public void MoveCursorForward(string group, long offset)
    {
        lock (this)
        {
            var cursor = GetOrAddCursorLocked(group, offset, out bool created);
            if (!created && offset > cursor.CommittedOffset)
            {
                cursor.ResetLocked(offset);
            }
        }
    }

    /// <summary>
    /// Restores <paramref name="group"/>'s committed offset from a checkpoint, clamped to the stored range; returns how
    /// far the checkpoint was past the end of the queue (0 when it was not).
    /// </summary>
    public long RestoreCursor(string group, long committedOffset)
    {
        lock (this)
        {
            long beyond = Math.Max(0, committedOffset - _index.MaxOffset);
            long offset = Math.Clamp(committedOffset, _index.MinOffset, _index.MaxOffset);
            var cursor = FindCursor(group);
            if (cursor is null)
            {
                GetOrAddCursorLocked(group, offset, out _);
            }
            else
            {
                cursor.ResetLocked(offset);
            }

            return beyond;
        }
    }

    /// <summary>Queues every cursor for the next offset checkpoint (their offsets differ from what is on disk).</summary>
    public void MarkCursorsMoved()
    {
        lock (this)
        {
            foreach (var cursor in Cursors)
            {
                cursor.CommittedMovedLocked();
            }
        }
    }

    /// <summary>The committed offset of one of the queue's cursors.</summary>
    public long CommittedOffsetOf(GroupCursor cursor)
    {
        lock (this)
        {
            return cursor.CommittedOffset;
        }
    }

    /// <summary>The committed offset of one of the queue's cursors, taken by an offset checkpoint: its next move queues it again.</summary>
    public long TakeForCheckpoint(GroupCursor cursor)
    {
        lock (this)
        {
            return cursor.TakeForCheckpointLocked();
        }
    }

    /// <summary>Whether one of <paramref name="groups"/> has not acknowledged everything stored (a group without a position starts at the first).</summary>
    public bool HasUnconsumed(string[] groups)
    {
        lock (this)
        {
            long max = _index.MaxOffset;
            foreach (string group in groups)
            {
                long committed = FindCursor(group)?.CommittedOffset ?? _index.MinOffset;
                if (committed < max)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The cursor of <paramref name="group"/>, created at <paramref name="startOffset"/> when missing.</summary>
    private GroupCursor GetOrAddCursorLocked(string group, long startOffset, out bool created)
    {
        var existing = FindCursor(group);
        if (existing is not null)
        {
            created = false;
            return existing;
        }

        var cursor = new GroupCursor(this, group, startOffset);
        if (_firstCursor is null)
        {
            Volatile.Write(ref _firstCursor, cursor);
        }
        else
        {
            Volatile.Write(ref _moreCursors, [.. _moreCursors ?? [], cursor]);
        }

        created = true;
        return cursor;
    }
}
