using System.Collections.Concurrent;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// What the next offset checkpoint must write: the cursors whose committed offset moved since the last one, and the
/// queues deleted since. A cursor queues itself once (its flag is guarded by its queue's lock, where its offset moves)
/// until a checkpoint takes it, so a tick costs in proportion to what moved, never a walk over every cursor. Nothing
/// is tracked until recovery finished: what recovery restores is already on disk.
/// </summary>
internal sealed class OffsetChanges
{
    private readonly ConcurrentQueue<GroupCursor> _cursors = new();
    private readonly ConcurrentQueue<ConsumeQueue> _removed = new();
    private volatile bool _tracking;

    public bool Tracking => _tracking;

    public bool IsEmpty => _cursors.IsEmpty && _removed.IsEmpty;

    public void StartTracking() => _tracking = true;

    /// <summary>Called by the cursor, under its queue's lock, the first time its offset moves since it was last taken.</summary>
    public void Moved(GroupCursor cursor) => _cursors.Enqueue(cursor);

    /// <summary>A queue was deleted: its cursors are forgotten on disk too.</summary>
    public void Removed(ConsumeQueue queue)
    {
        if (_tracking)
        {
            _removed.Enqueue(queue);
        }
    }

    /// <summary>
    /// Takes everything queued: the cursors first, then the deletions. A deletion that precedes a cursor's move (a lite
    /// topic deleted, then re-created and consumed) is queued before it, so when that cursor is taken, the deletion is
    /// taken in the same call at the latest and written before it.
    /// </summary>
    public (List<GroupCursor> Cursors, List<ConsumeQueue> Removed) Drain()
    {
        var cursors = new List<GroupCursor>(_cursors.Count);
        while (_cursors.TryDequeue(out var cursor))
        {
            cursors.Add(cursor);
        }

        var removed = new List<ConsumeQueue>();
        while (_removed.TryDequeue(out var queue))
        {
            removed.Add(queue);
        }

        return (cursors, removed);
    }
}
