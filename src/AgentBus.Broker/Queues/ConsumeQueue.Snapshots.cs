namespace AgentBus.Broker.Queues;

// Consistent reads for inspection, metrics and admin: the stored range and the groups' positions, taken together.
internal sealed partial class ConsumeQueue
{
    /// <summary>The stored range and the last write.</summary>
    public QueueOffsets ReadOffsets()
    {
        lock (this)
        {
            return new QueueOffsets(_index.MinOffset, _index.MaxOffset, LastWriteTimestamp);
        }
    }

    /// <summary>The stored range with <paramref name="group"/>'s position (null when it has none on this queue).</summary>
    public QueueOffsets ReadOffsets(string group, out CursorPosition? position)
    {
        lock (this)
        {
            position = FindCursor(group) is { } cursor ? CursorPosition.Of(cursor) : null;
            return new QueueOffsets(_index.MinOffset, _index.MaxOffset, LastWriteTimestamp);
        }
    }

    /// <summary>The stored range with every group's position, added to <paramref name="positions"/>.</summary>
    public QueueOffsets ReadOffsets(List<CursorPosition> positions)
    {
        lock (this)
        {
            foreach (var cursor in Cursors)
            {
                positions.Add(CursorPosition.Of(cursor));
            }

            return new QueueOffsets(_index.MinOffset, _index.MaxOffset, LastWriteTimestamp);
        }
    }

    /// <summary>Messages <paramref name="group"/> has not acknowledged (all stored ones when it has no position yet).</summary>
    public long Backlog(string group)
    {
        lock (this)
        {
            long max = _index.MaxOffset;
            return FindCursor(group)?.BacklogLocked(max) ?? max - _index.MinOffset;
        }
    }
}

/// <summary>A queue's stored range [<paramref name="Min"/>, <paramref name="Max"/>) and its last write (Unix ms).</summary>
internal readonly record struct QueueOffsets(long Min, long Max, long LastWriteTimestamp)
{
    /// <summary>Stored messages.</summary>
    public long Count => Max - Min;
}

/// <summary>Where one group is on a queue, read under the queue's lock.</summary>
internal readonly record struct CursorPosition(string Group, long CommittedOffset, long PopOffset, int InflightCount, int RetryCount)
{
    /// <summary>Messages not yet acknowledged, including those never delivered.</summary>
    public long BacklogAt(long maxOffset) => Math.Max(0, maxOffset - CommittedOffset);

    internal static CursorPosition Of(Consumption.GroupCursor cursor) =>
        new(cursor.Group, cursor.CommittedOffset, cursor.PopOffset, cursor.InflightCount, cursor.RetryCount);
}
